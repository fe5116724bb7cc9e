//! Constant vocabularies for the demo generator: places with their administrative codes
//! and telephone area codes, name syllables with pinyin, company name parts, product
//! catalogues per industry, and bilingual (Chinese, English) text templates.
//!
//! Text templates are `(zh, en)` pairs. `{p}` stands for a product category and `{q}` for
//! a quarter; the generator substitutes them.

use rapport_model::Channel;

/// A city with its province, districts (name, six-digit administrative code) and the
/// telephone area code. `weight` skews the book toward the coastal business centres.
pub(crate) struct City {
    pub province: &'static str,
    pub city: &'static str,
    /// The city name as used in company names (市 dropped).
    pub short: &'static str,
    /// Pinyin, lower case, for e-mail domains and English company names.
    pub pinyin: &'static str,
    pub area_code: &'static str,
    pub weight: u32,
    pub districts: &'static [(&'static str, &'static str)],
}

pub(crate) const CITIES: &[City] = &[
    City {
        province: "上海市",
        city: "上海市",
        short: "上海",
        pinyin: "shanghai",
        area_code: "021",
        weight: 12,
        districts: &[
            ("浦东新区", "310115"),
            ("徐汇区", "310104"),
            ("静安区", "310106"),
            ("闵行区", "310112"),
            ("长宁区", "310105"),
            ("嘉定区", "310114"),
        ],
    },
    City {
        province: "北京市",
        city: "北京市",
        short: "北京",
        pinyin: "beijing",
        area_code: "010",
        weight: 10,
        districts: &[
            ("海淀区", "110108"),
            ("朝阳区", "110105"),
            ("东城区", "110101"),
            ("西城区", "110102"),
            ("丰台区", "110106"),
            ("大兴区", "110115"),
        ],
    },
    City {
        province: "广东省",
        city: "深圳市",
        short: "深圳",
        pinyin: "shenzhen",
        area_code: "0755",
        weight: 10,
        districts: &[
            ("南山区", "440305"),
            ("福田区", "440304"),
            ("宝安区", "440306"),
            ("龙岗区", "440307"),
            ("龙华区", "440309"),
        ],
    },
    City {
        province: "广东省",
        city: "广州市",
        short: "广州",
        pinyin: "guangzhou",
        area_code: "020",
        weight: 8,
        districts: &[
            ("天河区", "440106"),
            ("越秀区", "440104"),
            ("海珠区", "440105"),
            ("番禺区", "440113"),
            ("黄埔区", "440112"),
        ],
    },
    City {
        province: "广东省",
        city: "佛山市",
        short: "佛山",
        pinyin: "foshan",
        area_code: "0757",
        weight: 3,
        districts: &[("南海区", "440605"), ("顺德区", "440606"), ("禅城区", "440604")],
    },
    City {
        province: "江苏省",
        city: "苏州市",
        short: "苏州",
        pinyin: "suzhou",
        area_code: "0512",
        weight: 8,
        districts: &[
            ("吴中区", "320506"),
            ("相城区", "320507"),
            ("姑苏区", "320508"),
            ("虎丘区", "320505"),
            ("吴江区", "320509"),
        ],
    },
    City {
        province: "江苏省",
        city: "南京市",
        short: "南京",
        pinyin: "nanjing",
        area_code: "025",
        weight: 5,
        districts: &[("玄武区", "320102"), ("鼓楼区", "320106"), ("江宁区", "320115"), ("建邺区", "320105")],
    },
    City {
        province: "江苏省",
        city: "无锡市",
        short: "无锡",
        pinyin: "wuxi",
        area_code: "0510",
        weight: 4,
        districts: &[("梁溪区", "320213"), ("滨湖区", "320211"), ("新吴区", "320214")],
    },
    City {
        province: "江苏省",
        city: "常州市",
        short: "常州",
        pinyin: "changzhou",
        area_code: "0519",
        weight: 3,
        districts: &[("武进区", "320412"), ("新北区", "320411"), ("天宁区", "320402")],
    },
    City {
        province: "浙江省",
        city: "杭州市",
        short: "杭州",
        pinyin: "hangzhou",
        area_code: "0571",
        weight: 8,
        districts: &[
            ("西湖区", "330106"),
            ("滨江区", "330108"),
            ("余杭区", "330110"),
            ("上城区", "330102"),
            ("萧山区", "330109"),
        ],
    },
    City {
        province: "浙江省",
        city: "宁波市",
        short: "宁波",
        pinyin: "ningbo",
        area_code: "0574",
        weight: 4,
        districts: &[("鄞州区", "330212"), ("海曙区", "330203"), ("北仑区", "330206")],
    },
    City {
        province: "浙江省",
        city: "温州市",
        short: "温州",
        pinyin: "wenzhou",
        area_code: "0577",
        weight: 2,
        districts: &[("鹿城区", "330302"), ("瓯海区", "330304")],
    },
    City {
        province: "天津市",
        city: "天津市",
        short: "天津",
        pinyin: "tianjin",
        area_code: "022",
        weight: 3,
        districts: &[("和平区", "120101"), ("滨海新区", "120116"), ("南开区", "120104")],
    },
    City {
        province: "重庆市",
        city: "重庆市",
        short: "重庆",
        pinyin: "chongqing",
        area_code: "023",
        weight: 3,
        districts: &[("渝中区", "500103"), ("江北区", "500105"), ("渝北区", "500112")],
    },
    City {
        province: "山东省",
        city: "青岛市",
        short: "青岛",
        pinyin: "qingdao",
        area_code: "0532",
        weight: 3,
        districts: &[("市南区", "370202"), ("崂山区", "370212"), ("黄岛区", "370211")],
    },
    City {
        province: "山东省",
        city: "济南市",
        short: "济南",
        pinyin: "jinan",
        area_code: "0531",
        weight: 2,
        districts: &[("历下区", "370102"), ("市中区", "370103"), ("槐荫区", "370104")],
    },
    City {
        province: "四川省",
        city: "成都市",
        short: "成都",
        pinyin: "chengdu",
        area_code: "028",
        weight: 5,
        districts: &[("武侯区", "510107"), ("锦江区", "510104"), ("成华区", "510108"), ("青羊区", "510105")],
    },
    City {
        province: "湖北省",
        city: "武汉市",
        short: "武汉",
        pinyin: "wuhan",
        area_code: "027",
        weight: 4,
        districts: &[("洪山区", "420111"), ("江汉区", "420103"), ("武昌区", "420106"), ("江岸区", "420102")],
    },
    City {
        province: "湖南省",
        city: "长沙市",
        short: "长沙",
        pinyin: "changsha",
        area_code: "0731",
        weight: 3,
        districts: &[("岳麓区", "430104"), ("天心区", "430103"), ("雨花区", "430111")],
    },
    City {
        province: "福建省",
        city: "厦门市",
        short: "厦门",
        pinyin: "xiamen",
        area_code: "0592",
        weight: 3,
        districts: &[("思明区", "350203"), ("湖里区", "350206"), ("集美区", "350211")],
    },
    City {
        province: "福建省",
        city: "福州市",
        short: "福州",
        pinyin: "fuzhou",
        area_code: "0591",
        weight: 2,
        districts: &[("鼓楼区", "350102"), ("台江区", "350103"), ("仓山区", "350104")],
    },
    City {
        province: "陕西省",
        city: "西安市",
        short: "西安",
        pinyin: "xian",
        area_code: "029",
        weight: 3,
        districts: &[("雁塔区", "610113"), ("碑林区", "610103"), ("未央区", "610112")],
    },
    City {
        province: "河南省",
        city: "郑州市",
        short: "郑州",
        pinyin: "zhengzhou",
        area_code: "0371",
        weight: 3,
        districts: &[("金水区", "410105"), ("中原区", "410102"), ("二七区", "410103")],
    },
    City {
        province: "安徽省",
        city: "合肥市",
        short: "合肥",
        pinyin: "hefei",
        area_code: "0551",
        weight: 3,
        districts: &[("蜀山区", "340104"), ("包河区", "340111"), ("庐阳区", "340103")],
    },
    City {
        province: "辽宁省",
        city: "大连市",
        short: "大连",
        pinyin: "dalian",
        area_code: "0411",
        weight: 2,
        districts: &[("中山区", "210202"), ("甘井子区", "210211"), ("沙河口区", "210204")],
    },
    City {
        province: "辽宁省",
        city: "沈阳市",
        short: "沈阳",
        pinyin: "shenyang",
        area_code: "024",
        weight: 2,
        districts: &[("和平区", "210102"), ("沈河区", "210103"), ("浑南区", "210112")],
    },
    City {
        province: "河北省",
        city: "石家庄市",
        short: "石家庄",
        pinyin: "shijiazhuang",
        area_code: "0311",
        weight: 1,
        districts: &[("长安区", "130102"), ("裕华区", "130108")],
    },
    City {
        province: "江西省",
        city: "南昌市",
        short: "南昌",
        pinyin: "nanchang",
        area_code: "0791",
        weight: 1,
        districts: &[("东湖区", "360102"), ("红谷滩区", "360113")],
    },
    City {
        province: "云南省",
        city: "昆明市",
        short: "昆明",
        pinyin: "kunming",
        area_code: "0871",
        weight: 1,
        districts: &[("五华区", "530102"), ("盘龙区", "530103")],
    },
    City {
        province: "广西壮族自治区",
        city: "南宁市",
        short: "南宁",
        pinyin: "nanning",
        area_code: "0771",
        weight: 1,
        districts: &[("青秀区", "450103"), ("西乡塘区", "450107")],
    },
    City {
        province: "黑龙江省",
        city: "哈尔滨市",
        short: "哈尔滨",
        pinyin: "harbin",
        area_code: "0451",
        weight: 1,
        districts: &[("南岗区", "230103"), ("道里区", "230102")],
    },
    City {
        province: "山西省",
        city: "太原市",
        short: "太原",
        pinyin: "taiyuan",
        area_code: "0351",
        weight: 1,
        districts: &[("小店区", "140105"), ("迎泽区", "140106")],
    },
    City {
        province: "贵州省",
        city: "贵阳市",
        short: "贵阳",
        pinyin: "guiyang",
        area_code: "0851",
        weight: 1,
        districts: &[("观山湖区", "520115"), ("南明区", "520102")],
    },
];

/// Road names used for street addresses.
pub(crate) const ROADS: &[&str] = &[
    "人民路",
    "中山路",
    "建设路",
    "解放路",
    "长江路",
    "黄河路",
    "科技路",
    "创业路",
    "学府路",
    "工业大道",
    "星湖街",
    "滨河路",
    "新华路",
    "和平路",
    "迎宾大道",
    "高新大道",
    "金融街",
    "文化路",
    "友谊路",
    "光明路",
    "东风路",
    "湖滨路",
    "江南大道",
    "软件园路",
    "兴业路",
    "园区大道",
    "复兴路",
    "胜利路",
    "青年路",
    "世纪大道",
];

/// Office parks and buildings for company addresses.
pub(crate) const BUILDINGS: &[&str] =
    &["科技园", "创新大厦", "国际商务中心", "金融中心", "产业园", "智谷", "财富广场", "中心大厦", "工业园", "总部基地"];

/// Residential compounds for personal customers.
pub(crate) const COMPOUNDS: &[&str] =
    &["阳光花园", "锦绣华庭", "翠湖苑", "金色家园", "滨江花苑", "紫荆公寓", "香樟园", "明珠小区", "书香名邸", "春晓苑"];

/// Common Chinese surnames with pinyin.
pub(crate) const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("潘", "pan"),
    ("袁", "yuan"),
    ("蔡", "cai"),
    ("蒋", "jiang"),
    ("余", "yu"),
    ("杜", "du"),
    ("叶", "ye"),
    ("程", "cheng"),
    ("魏", "wei"),
    ("苏", "su"),
    ("丁", "ding"),
    ("任", "ren"),
    ("沈", "shen"),
    ("姚", "yao"),
    ("卢", "lu"),
    ("钟", "zhong"),
    ("汪", "wang"),
    ("方", "fang"),
    ("石", "shi"),
    ("戴", "dai"),
    ("陆", "lu"),
];

/// Characters of given names with pinyin.
pub(crate) const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("英", "ying"),
    ("华", "hua"),
    ("建", "jian"),
    ("国", "guo"),
    ("文", "wen"),
    ("辉", "hui"),
    ("宇", "yu"),
    ("欣", "xin"),
    ("婷", "ting"),
    ("晨", "chen"),
    ("浩", "hao"),
    ("鹏", "peng"),
    ("雪", "xue"),
    ("琳", "lin"),
    ("博", "bo"),
    ("思", "si"),
    ("佳", "jia"),
    ("子", "zi"),
    ("轩", "xuan"),
    ("涵", "han"),
    ("诺", "nuo"),
    ("嘉", "jia"),
    ("晓", "xiao"),
    ("雨", "yu"),
    ("海", "hai"),
    ("斌", "bin"),
    ("凯", "kai"),
    ("玲", "ling"),
    ("红", "hong"),
    ("俊", "jun"),
    ("倩", "qian"),
    ("颖", "ying"),
    ("慧", "hui"),
    ("志", "zhi"),
    ("峰", "feng"),
    ("亮", "liang"),
    ("振", "zhen"),
    ("天", "tian"),
    ("梦", "meng"),
    ("晶", "jing"),
    ("鑫", "xin"),
    ("帆", "fan"),
    ("瑶", "yao"),
];

/// English first names (also used by Chinese staff with an English name).
pub(crate) const EN_FIRST: &[&str] = &[
    "Emily",
    "James",
    "Olivia",
    "Daniel",
    "Sophia",
    "Michael",
    "Grace",
    "David",
    "Chloe",
    "Ryan",
    "Hannah",
    "Lucas",
    "Amelia",
    "Ethan",
    "Isabella",
    "Noah",
    "Kevin",
    "Oliver",
    "Charlotte",
    "William",
    "Jason",
    "Cindy",
    "Tony",
    "Vivian",
    "Eric",
    "Linda",
    "Jack",
    "Helen",
];

/// English surnames.
pub(crate) const EN_LAST: &[&str] = &[
    "Carter", "Bennett", "Hughes", "Foster", "Morgan", "Reed", "Walsh", "Turner", "Parker", "Hayes", "Brooks", "Ellis",
    "Grant", "Fleming", "Lawson", "Murphy", "Nolan", "Shaw", "Spencer", "Wright", "Schmidt", "Tan",
];

/// First and second characters of a trade name (字号), with pinyin.
pub(crate) const TRADE_A: &[(&str, &str)] = &[
    ("恒", "heng"),
    ("华", "hua"),
    ("金", "jin"),
    ("天", "tian"),
    ("鼎", "ding"),
    ("博", "bo"),
    ("锦", "jin"),
    ("瑞", "rui"),
    ("新", "xin"),
    ("宏", "hong"),
    ("佳", "jia"),
    ("永", "yong"),
    ("远", "yuan"),
    ("汇", "hui"),
    ("中", "zhong"),
    ("德", "de"),
    ("盛", "sheng"),
    ("嘉", "jia"),
    ("启", "qi"),
    ("卓", "zhuo"),
    ("安", "an"),
    ("众", "zhong"),
    ("凯", "kai"),
    ("海", "hai"),
    ("星", "xing"),
    ("宇", "yu"),
    ("明", "ming"),
    ("东", "dong"),
    ("百", "bai"),
    ("九", "jiu"),
];
pub(crate) const TRADE_B: &[(&str, &str)] = &[
    ("瑞", "rui"),
    ("信", "xin"),
    ("泰", "tai"),
    ("达", "da"),
    ("丰", "feng"),
    ("通", "tong"),
    ("源", "yuan"),
    ("和", "he"),
    ("成", "cheng"),
    ("盛", "sheng"),
    ("科", "ke"),
    ("创", "chuang"),
    ("拓", "tuo"),
    ("捷", "jie"),
    ("讯", "xun"),
    ("润", "run"),
    ("辰", "chen"),
    ("诚", "cheng"),
    ("驰", "chi"),
    ("峰", "feng"),
    ("航", "hang"),
    ("康", "kang"),
    ("联", "lian"),
    ("普", "pu"),
    ("兴", "xing"),
    ("耀", "yao"),
    ("智", "zhi"),
    ("晟", "sheng"),
    ("鑫", "xin"),
    ("益", "yi"),
];

/// First words of English company names.
pub(crate) const EN_BRAND: &[&str] = &[
    "Harbor",
    "Northstar",
    "Bluepeak",
    "Summit",
    "Evergreen",
    "Silverline",
    "Redwood",
    "Crescent",
    "Pacific",
    "Oriental Pearl",
    "Golden Bridge",
    "Lakeside",
    "Brightway",
    "Cedar",
    "Falcon",
    "Meridian",
    "Pinnacle",
    "Riverstone",
    "Skyline",
    "Sterling",
    "Trident",
    "Vantage",
    "Westbay",
    "Zenith",
    "Apex",
    "Beacon",
    "Cobalt",
    "Everbright",
    "Jade River",
    "Keystone",
];

/// Industry weights for companies (section letter, weight): heavy on C, F, I, J.
pub(crate) const COMPANY_INDUSTRIES: &[(u32, &str)] = &[
    (28, "C"),
    (17, "F"),
    (14, "I"),
    (8, "J"),
    (5, "G"),
    (5, "E"),
    (4, "L"),
    (4, "M"),
    (3, "K"),
    (3, "H"),
    (3, "P"),
    (2, "Q"),
    (2, "R"),
    (1, "A"),
    (1, "B"),
    (1, "D"),
    (1, "N"),
    (1, "O"),
];

/// Industry weights for personal customers.
pub(crate) const PERSON_INDUSTRIES: &[(u32, &str)] = &[(40, "F"), (30, "P"), (15, "K"), (15, "O")];

/// Industry words in Chinese company names (the part between 字号 and 有限公司).
pub(crate) fn zh_industry_words(code: &str) -> &'static [&'static str] {
    match code {
        "A" => &["农业发展", "生态农业", "农业科技"],
        "B" => &["矿业", "矿产资源"],
        "C" => &[
            "精密机械",
            "电子科技",
            "新材料",
            "汽车零部件",
            "智能装备",
            "五金制品",
            "塑胶制品",
            "光电科技",
            "机电设备",
        ],
        "D" => &["新能源", "燃气", "电力工程"],
        "E" => &["建设工程", "建筑装饰工程", "市政工程"],
        "F" => &["商贸", "贸易", "供应链管理", "百货", "医药连锁", "进出口"],
        "G" => &["物流", "国际货运代理", "仓储服务", "运输"],
        "H" => &["餐饮管理", "酒店管理"],
        "I" => &["软件", "信息技术", "网络科技", "数据科技", "云计算技术"],
        "J" => &["融资租赁", "投资管理", "保险经纪", "商业保理"],
        "K" => &["房地产开发", "物业管理", "置业"],
        "L" => &["企业管理咨询", "人力资源", "广告", "会展服务"],
        "M" => &["检测技术", "工程技术", "生物科技"],
        "N" => &["环保科技", "水务"],
        "O" => &["家政服务", "汽车维修服务"],
        "P" => &["教育科技", "教育咨询"],
        "Q" => &["健康管理", "医院管理"],
        "R" => &["文化传媒", "体育发展", "影视文化"],
        _ => &["实业", "科技"],
    }
}

/// Industry nouns in English company names.
pub(crate) fn en_industry_words(code: &str) -> &'static [&'static str] {
    match code {
        "A" => &["Agritech", "Farms"],
        "B" => &["Mining", "Resources"],
        "C" => &["Precision Machinery", "Electronics", "Advanced Materials", "Auto Parts", "Industrial", "Components"],
        "D" => &["Energy", "Power"],
        "E" => &["Construction", "Engineering"],
        "F" => &["Trading", "Retail", "Supply Chain", "Import & Export"],
        "G" => &["Logistics", "Freight", "Shipping"],
        "H" => &["Hospitality", "Hotels"],
        "I" => &["Software", "Technology", "Data Systems", "Cloud"],
        "J" => &["Capital", "Financial Services", "Leasing", "Insurance Brokers"],
        "K" => &["Properties", "Real Estate"],
        "L" => &["Consulting", "Business Services", "Exhibitions"],
        "M" => &["Testing", "Biotech", "Research"],
        "N" => &["Environmental", "Water"],
        "O" => &["Services"],
        "P" => &["Education", "Learning"],
        "Q" => &["Healthcare", "Medical"],
        "R" => &["Media", "Sports", "Entertainment"],
        _ => &["Holdings"],
    }
}

/// A product category in the seller's catalogue.
pub(crate) struct Category {
    pub zh: &'static str,
    pub en: &'static str,
    pub products: &'static [&'static str],
    /// Typical order quantity range.
    pub qty: (i64, i64),
}

const GENERIC: &[Category] = &[
    Category {
        zh: "办公设备",
        en: "office equipment",
        products: &["激光打印机 A3 彩色", "会议平板 86寸", "笔记本电脑 14寸 i7", "高速扫描仪 S-60"],
        qty: (1, 30),
    },
    Category {
        zh: "软件订阅",
        en: "software subscriptions",
        products: &["协同办公 年度订阅 50用户", "财务软件 标准版", "项目管理 SaaS 年费"],
        qty: (1, 3),
    },
    Category {
        zh: "技术服务",
        en: "technical services",
        products: &["年度维保服务", "上门安装调试", "数据迁移服务"],
        qty: (1, 5),
    },
    Category {
        zh: "培训服务",
        en: "training",
        products: &["管理培训 2天班", "安全生产培训", "数字化转型工作坊"],
        qty: (1, 40),
    },
];

/// The catalogue categories that customers of an industry buy.
pub(crate) fn catalog(code: &str) -> &'static [Category] {
    match code {
        "C" => &[
            Category {
                zh: "数控刀具",
                en: "CNC cutting tools",
                products: &["硬质合金立铣刀 Φ10", "涂层钻头套装 HSS-Co", "可转位车刀片 CNMG120408", "螺纹铣刀 M8"],
                qty: (20, 500),
            },
            Category {
                zh: "工业传感器",
                en: "industrial sensors",
                products: &["光电传感器 PS-30", "压力变送器 PT-200", "接近开关 M18", "激光位移传感器 LD-50"],
                qty: (10, 300),
            },
            Category {
                zh: "自动化部件",
                en: "automation parts",
                products: &["伺服电机 750W", "PLC 控制器 CPU-1214", "变频器 5.5kW", "触摸屏 HMI 7寸"],
                qty: (2, 80),
            },
            Category {
                zh: "工业润滑油",
                en: "industrial lubricants",
                products: &["抗磨液压油 46# 200L", "导轨油 68# 18L", "切削液 浓缩型 20L"],
                qty: (5, 120),
            },
            Category {
                zh: "备品备件",
                en: "spare parts",
                products: &["气缸密封件套装", "深沟球轴承 6205-2RS", "同步带 HTD-8M"],
                qty: (10, 400),
            },
        ],
        "F" => &[
            Category {
                zh: "收银设备",
                en: "POS hardware",
                products: &["智能收银一体机 POS-8", "扫码枪 BS-200", "小票打印机 80mm"],
                qty: (2, 60),
            },
            Category {
                zh: "门店软件",
                en: "store software",
                products: &["连锁门店管理系统 年费", "会员营销模块", "进销存系统 标准版"],
                qty: (1, 20),
            },
            Category {
                zh: "包装耗材",
                en: "packaging supplies",
                products: &["快递纸箱 三层5号", "热敏标签纸 100x150", "封箱胶带 48mm"],
                qty: (100, 5000),
            },
            Category {
                zh: "货架陈列",
                en: "shelving and display",
                products: &["超市货架 单面 1.8m", "立式双门冷柜", "收银台 1.6m"],
                qty: (2, 80),
            },
        ],
        "I" => &[
            Category {
                zh: "软件许可",
                en: "software licences",
                products: &["ERP 标准版 10用户", "数据库企业版许可", "低代码平台 年度订阅"],
                qty: (1, 10),
            },
            Category {
                zh: "云服务",
                en: "cloud services",
                products: &["云服务器 8C16G 年包", "对象存储 10TB 年包", "CDN 流量包 50TB"],
                qty: (1, 40),
            },
            Category {
                zh: "网络设备",
                en: "network equipment",
                products: &["千兆交换机 48口", "企业级防火墙 FW-600", "Wi-Fi 6 无线AP"],
                qty: (1, 60),
            },
            Category {
                zh: "技术服务",
                en: "technical services",
                products: &["系统实施服务 人天", "年度运维服务", "等保测评咨询"],
                qty: (1, 60),
            },
        ],
        "J" => &[
            Category {
                zh: "安全设备",
                en: "security appliances",
                products: &["服务器密码机 HSM-2000", "运维堡垒机", "数据库审计系统"],
                qty: (1, 6),
            },
            Category {
                zh: "数据服务",
                en: "data services",
                products: &["企业征信数据接口 年费", "风控模型服务", "舆情监测 年度订阅"],
                qty: (1, 3),
            },
            Category {
                zh: "业务系统",
                en: "core business software",
                products: &["信贷管理系统 模块", "反洗钱监测系统", "移动展业 App 定制"],
                qty: (1, 2),
            },
            Category {
                zh: "金融机具",
                en: "banking devices",
                products: &["点钞机 A级", "智能柜员机 STM", "票据扫描仪"],
                qty: (2, 40),
            },
        ],
        "G" => &[
            Category {
                zh: "物流设备",
                en: "logistics equipment",
                products: &["手持终端 PDA", "电子面单打印机", "叉车锂电池 48V"],
                qty: (5, 120),
            },
            Category {
                zh: "物流软件",
                en: "logistics software",
                products: &["仓储管理系统 WMS", "运输管理系统 TMS 年费"],
                qty: (1, 3),
            },
            Category {
                zh: "包装耗材",
                en: "packaging supplies",
                products: &["缠绕膜 50cm", "托盘 1200x1000", "快递袋 中号"],
                qty: (100, 3000),
            },
        ],
        "E" => &[
            Category {
                zh: "测量仪器",
                en: "survey instruments",
                products: &["全站仪 TS-02", "激光水准仪", "GNSS 接收机 RTK"],
                qty: (1, 10),
            },
            Category {
                zh: "施工安全用品",
                en: "site safety gear",
                products: &["安全帽 ABS", "防坠器 10m", "反光背心"],
                qty: (50, 1500),
            },
            Category {
                zh: "工程软件",
                en: "engineering software",
                products: &["BIM 协同平台 年费", "工程造价软件"],
                qty: (1, 10),
            },
        ],
        "P" => &[
            Category {
                zh: "教学设备",
                en: "classroom equipment",
                products: &["智慧黑板 86寸", "录播系统", "学生平板"],
                qty: (1, 60),
            },
            Category {
                zh: "课程资源",
                en: "course content",
                products: &["少儿编程课程包", "英语分级阅读 年卡", "美术启蒙课 48课时"],
                qty: (1, 30),
            },
            Category {
                zh: "教务软件",
                en: "school management software",
                products: &["教务排课系统 年费", "家校沟通平台"],
                qty: (1, 3),
            },
        ],
        "H" => &[
            Category {
                zh: "餐饮设备",
                en: "kitchen equipment",
                products: &["商用蒸烤箱", "洗碗机 揭盖式", "制冰机 150kg"],
                qty: (1, 10),
            },
            Category {
                zh: "门店软件",
                en: "store software",
                products: &["扫码点餐系统 年费", "酒店 PMS 系统"],
                qty: (1, 10),
            },
            Category {
                zh: "布草耗材",
                en: "linen and amenities",
                products: &["客房布草套装", "一次性洗漱用品套装"],
                qty: (100, 3000),
            },
        ],
        "K" => &[
            Category {
                zh: "智能门禁",
                en: "smart access control",
                products: &["人脸识别门禁终端", "车牌识别道闸", "可视对讲主机"],
                qty: (2, 80),
            },
            Category {
                zh: "物业软件",
                en: "property software",
                products: &["智慧物业管理平台 年费", "收费管理模块"],
                qty: (1, 5),
            },
            Category {
                zh: "家居软装",
                en: "home furnishing",
                products: &["全屋定制衣柜", "智能门锁", "窗帘套装"],
                qty: (1, 8),
            },
        ],
        "O" => &[
            Category {
                zh: "家电维修",
                en: "appliance repair",
                products: &["空调清洗保养", "热水器维修", "年度家电保养卡"],
                qty: (1, 4),
            },
            Category {
                zh: "家居服务",
                en: "home services",
                products: &["深度保洁 4小时", "月嫂服务 26天", "收纳整理服务"],
                qty: (1, 4),
            },
        ],
        "Q" => &[
            Category {
                zh: "医疗设备",
                en: "medical devices",
                products: &["多参数监护仪", "电子血压计 医用", "超声耦合剂 250ml"],
                qty: (1, 40),
            },
            Category {
                zh: "医疗软件",
                en: "clinical software",
                products: &["HIS 门诊模块", "体检管理系统"],
                qty: (1, 3),
            },
        ],
        _ => GENERIC,
    }
}

/// What personal customers buy, by industry.
pub(crate) fn person_catalog(code: &str) -> &'static [Category] {
    const HOME: &[Category] = &[
        Category {
            zh: "家用电器",
            en: "home appliances",
            products: &["空气净化器 AP-300", "扫地机器人 R8", "厨下净水器 800G"],
            qty: (1, 2),
        },
        Category {
            zh: "数码产品",
            en: "digital devices",
            products: &["笔记本电脑 14寸 i5", "平板电脑 11寸", "降噪耳机"],
            qty: (1, 2),
        },
    ];
    match code {
        "P" => &catalog("P")[1..2],
        "K" => &catalog("K")[2..3],
        "O" => catalog("O"),
        _ => HOME,
    }
}

/// Employee bands, smallest first, with the typical order size in yuan (the generator
/// weights them 18/32/28/12/7/3).
pub(crate) const SIZE_BANDS: &[(&str, f64)] = &[
    ("1-20", 4_000.0),
    ("20-100", 11_000.0),
    ("100-500", 28_000.0),
    ("500-1000", 65_000.0),
    ("1000-5000", 140_000.0),
    ("5000+", 260_000.0),
];

/// Annual revenue bands, matching the employee bands by index.
pub(crate) const REVENUE_BANDS: &[&str] =
    &["500万以下", "500万-2000万", "2000万-1亿", "1亿-5亿", "5亿-20亿", "20亿以上"];

/// Customer sources (stored slug, weight).
pub(crate) const SOURCES: &[(u32, &str)] =
    &[(26, "trade_show"), (24, "referral"), (20, "online_ads"), (14, "partner"), (16, "inbound")];

/// Mainland mobile prefixes (the first three digits).
pub(crate) const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198",
    "199",
];

/// Positions by role in the decision chain: purchaser, evaluator, approver, other.
pub(crate) const POS_PURCHASE: &[(&str, &str)] =
    &[("采购经理", "Purchasing Manager"), ("采购专员", "Buyer"), ("供应链经理", "Supply Chain Manager")];
pub(crate) const POS_EVALUATE: &[(&str, &str)] = &[
    ("技术总监", "CTO"),
    ("IT经理", "IT Manager"),
    ("生产主管", "Plant Manager"),
    ("工程师", "Engineer"),
    ("运营总监", "Operations Director"),
];
pub(crate) const POS_APPROVE: &[(&str, &str)] =
    &[("总经理", "CEO"), ("副总经理", "General Manager"), ("财务总监", "CFO"), ("董事长", "Managing Director")];
pub(crate) const POS_OTHER: &[(&str, &str)] =
    &[("行政主管", "Office Manager"), ("财务经理", "Finance Manager"), ("项目经理", "Project Manager")];

/// A follow-up template: Chinese, English, and the channel it implies (`None`: any
/// channel but a visit).
pub(crate) type Tpl = (&'static str, &'static str, Option<Channel>);

/// The first follow-up, by source (same order as [`SOURCES`]).
pub(crate) const FIRST: &[(&str, Tpl)] = &[
    (
        "trade_show",
        ("展会上交换名片，初步了解需求", "Met at our trade show booth, exchanged cards", Some(Channel::Visit)),
    ),
    ("referral", ("经老客户介绍，首次电话沟通", "First call, referred by an existing customer", Some(Channel::Phone))),
    ("online_ads", ("客户通过线上广告留资，电话回访", "Lead from online ads, called back", Some(Channel::Phone))),
    ("partner", ("合作伙伴引荐，线上初步沟通", "Intro meeting arranged by our partner", Some(Channel::Meeting))),
    ("inbound", ("客户主动来电咨询{p}", "Inbound enquiry about {p}", Some(Channel::Phone))),
];

/// Early follow-ups: needs and first proposals.
pub(crate) const EARLY: &[Tpl] = &[
    ("介绍公司产品线及同行业案例", "Presented our product line and reference cases", Some(Channel::Meeting)),
    ("微信发送{p}产品资料", "Sent {p} brochure on WeChat", Some(Channel::Wechat)),
    ("上门拜访，了解业务流程和现有设备", "Site visit to understand their workflow", Some(Channel::Visit)),
    ("确认{p}技术参数需求", "Clarified technical requirements for {p}", None),
    ("电话沟通{q}采购量", "Call about {q} purchase volumes", Some(Channel::Phone)),
    ("邀请参加新品发布会", "Invited to our product launch event", Some(Channel::Email)),
    ("了解决策流程和预算安排", "Asked about their decision process and budget", None),
];

/// Middle follow-ups: quote, trial, negotiation.
pub(crate) const MIDDLE: &[Tpl] = &[
    ("发送{p}报价单", "Sent quote for {p}", Some(Channel::Email)),
    ("发送修订版报价", "Sent revised quote", Some(Channel::Email)),
    ("安排{p}样品试用", "Arranged a {p} trial", None),
    ("线上演示产品功能", "Online demo for the evaluation team", Some(Channel::Meeting)),
    ("与技术负责人讨论方案细节", "Walked through the proposal with their technical lead", Some(Channel::Visit)),
    ("商务谈判，客户希望降价5%", "Price negotiation, customer asked for 5% off", Some(Channel::Visit)),
    ("沟通付款方式和账期", "Negotiated payment terms", Some(Channel::Phone)),
    ("提交投标文件", "Submitted tender documents", Some(Channel::Visit)),
];

/// Follow-ups with an existing account.
pub(crate) const ACCOUNT: &[Tpl] = &[
    ("回访{p}使用情况", "Check-in on their {p}", Some(Channel::Phone)),
    ("沟通{q}追加采购", "Discussed {q} reorder volumes", None),
    ("季度满意度回访", "Quarterly satisfaction check", Some(Channel::Phone)),
    ("确认下批交货时间", "Confirmed delivery schedule for the next batch", Some(Channel::Wechat)),
    ("年度框架协议续签沟通", "Renewal talk for the annual framework agreement", Some(Channel::Visit)),
    ("推荐新款{p}", "Introduced our latest {p}", None),
    ("对账及开票确认", "Reconciled statements and invoices", Some(Channel::Email)),
];

/// The follow-up where a customer is lost (besides one quoting the lost reason).
pub(crate) const LOSING: &[Tpl] = &[
    ("客户告知已选择其他供应商", "Customer told us they chose another supplier", Some(Channel::Phone)),
    ("项目暂停，预算冻结", "Project on hold, budget frozen", None),
    ("客户不再回复，电话未接通", "No reply from the customer, calls unanswered", Some(Channel::Phone)),
];

/// Follow-ups with personal customers before they buy.
pub(crate) const PERSON_SALES: &[Tpl] = &[
    ("微信发送{p}介绍和价格", "Sent {p} details and prices on WeChat", Some(Channel::Wechat)),
    ("邀请到店体验{p}", "Invited to try {p} in store", Some(Channel::Phone)),
    ("电话了解具体需求和预算", "Call about needs and budget", Some(Channel::Phone)),
    ("发送当前优惠活动", "Sent the current promotion", Some(Channel::Wechat)),
    ("客户到店咨询{p}", "Customer came to the store to ask about {p}", Some(Channel::Visit)),
    ("解答付款和售后问题", "Answered payment and after-sales questions", None),
];

/// Follow-ups with personal customers who bought.
pub(crate) const PERSON_ACCOUNT: &[Tpl] = &[
    ("回访{p}使用体验", "Asked how they like the {p}", Some(Channel::Phone)),
    ("推荐新款{p}", "Introduced our latest {p}", Some(Channel::Wechat)),
    ("生日祝福并推送会员活动", "Birthday greeting and member offer", Some(Channel::Wechat)),
    ("询问是否需要续费", "Asked about renewing", Some(Channel::Phone)),
];

/// Feedback from personal customers.
pub(crate) const FEEDBACK_PERSON: &[(&str, &str)] = &[
    ("想再比较一下价格", "Wants to compare prices first"),
    ("需要和家人商量", "Needs to talk it over with family"),
    ("希望可以分期付款", "Asks about paying in instalments"),
    ("对体验效果比较满意", "Liked the trial"),
    ("关注售后保障", "Cares about after-sales guarantees"),
];

/// Next actions with personal customers.
pub(crate) const NEXT_PERSON: &[(&str, &str)] = &[
    ("发送产品介绍", "Send product details"),
    ("邀请到店体验", "Invite to the store"),
    ("发送优惠方案", "Send the offer"),
    ("电话确认购买意向", "Call to confirm they want to buy"),
];

/// Customer feedback before a deal.
pub(crate) const FEEDBACK_SALES: &[(&str, &str)] = &[
    ("对价格比较敏感，希望有批量折扣", "Price sensitive, wants a volume discount"),
    ("希望缩短交期", "Wants a shorter lead time"),
    ("关注售后响应速度", "Cares most about after-sales response time"),
    ("需要内部评审后再定", "Needs an internal review before deciding"),
    ("预算要到下季度才能批", "Budget approval only next quarter"),
    ("需求范围扩大到全公司", "Scope grew to the whole company"),
    ("正在对比两家供应商", "Comparing us with one other supplier"),
];

/// Customer feedback from an existing account.
pub(crate) const FEEDBACK_ACCOUNT: &[(&str, &str)] = &[
    ("对产品质量满意", "Happy with the product quality"),
    ("希望下次交货提前一周", "Wants the next delivery a week earlier"),
    ("新项目下季度启动，可能追加采购", "New project next quarter, may order more"),
    ("反映发票寄送慢", "Invoices arrive late"),
    ("希望安排使用培训", "Asked for user training"),
];

/// Next actions while selling, while closing, and with an account.
pub(crate) const NEXT_SALES: &[(&str, &str)] = &[
    ("发送产品资料", "Send product brochure"),
    ("安排技术交流", "Schedule a technical workshop"),
    ("寄送样品", "Ship samples"),
    ("约见总经理", "Meet the general manager"),
];
pub(crate) const NEXT_CLOSE: &[(&str, &str)] = &[
    ("发送正式报价", "Send formal quote"),
    ("跟进合同审批", "Follow up on contract approval"),
    ("确认样品测试结果", "Get the trial results"),
    ("准备投标材料", "Prepare the tender documents"),
];
pub(crate) const NEXT_PERSON_ACCOUNT: &[(&str, &str)] = &[
    ("回访使用体验", "Check in on how they like it"),
    ("推送会员活动", "Send the member offer"),
    ("提醒续费", "Remind about renewal"),
];
pub(crate) const NEXT_ACCOUNT: &[(&str, &str)] = &[
    ("回访使用情况", "Check in on usage"),
    ("准备续约方案", "Prepare the renewal offer"),
    ("确认下批订单", "Confirm the next order"),
    ("安排使用培训", "Arrange user training"),
];

/// Reasons a customer was lost.
pub(crate) const LOST_REASONS: &[(&str, &str)] = &[
    ("竞品价格更低", "Competitor offered a lower price"),
    ("需求变更", "Requirements changed"),
    ("预算取消", "Budget cancelled"),
    ("项目延期", "Project postponed"),
    ("交期无法满足", "We could not meet the delivery date"),
    ("客户经营困难", "Customer in financial difficulty"),
];

/// Service requests: question, fault, complaint.
pub(crate) const SVC_QUESTION: &[(&str, &str)] = &[
    ("咨询{p}操作方法", "Asked how to operate the {p}"),
    ("询问发票开具事宜", "Asked about invoicing"),
    ("咨询保修政策", "Asked about the warranty terms"),
    ("咨询{p}升级方案", "Asked about upgrade options for {p}"),
];
pub(crate) const SVC_FAULT: &[(&str, &str)] = &[
    ("{p}使用中出现故障", "Problem with the {p}"),
    ("{p}运行异常报警", "{p} raised an error alarm"),
    ("系统登录报错", "Login error in the system"),
    ("到货部分产品有损坏", "Part of the delivery arrived damaged"),
];
pub(crate) const SVC_COMPLAINT: &[(&str, &str)] = &[
    ("交货延迟三天", "Delivery three days late"),
    ("发票信息错误", "Wrong details on the invoice"),
    ("售后响应慢", "Slow after-sales response"),
    ("实际效果与宣传不符", "Results below what was promised"),
];
/// Results of service records, by kind.
pub(crate) const RESULT_QUESTION: &[(&str, &str)] = &[
    ("电话解答，客户已了解", "Answered on the phone"),
    ("已发送操作手册和视频", "Sent the manual and how-to videos"),
    ("远程指导后解决", "Solved over a remote session"),
];
pub(crate) const RESULT_FAULT: &[(&str, &str)] = &[
    ("上门更换配件", "Replaced the part on site"),
    ("升级固件后恢复正常", "Back to normal after a firmware update"),
    ("远程指导后解决", "Solved over a remote session"),
    ("补发损坏部分", "Reshipped the damaged items"),
];
pub(crate) const RESULT_COMPLAINT: &[(&str, &str)] = &[
    ("补发货物并致歉", "Reshipped the goods and apologised"),
    ("已重新开具发票", "Invoice reissued"),
    ("给予下单折扣作为补偿", "Offered a discount on the next order"),
    ("主管致电道歉并说明改进措施", "Manager called to apologise and explain the fix"),
];

/// Tasks while selling, with an account, and for lost or dormant customers.
pub(crate) const TASKS_SALES: &[(&str, &str)] = &[
    ("整理{p}报价并提交审批", "Prepare the {p} quote for approval"),
    ("确认样品测试结果", "Get the sample test results"),
    ("发送解决方案和案例", "Send the proposal and reference cases"),
    ("预约上门拜访", "Book an on-site visit"),
    ("更新联系人信息", "Update contact details"),
];
pub(crate) const TASKS_ACCOUNT: &[(&str, &str)] = &[
    ("催收{p}货款", "Chase payment for the {p} order"),
    ("安排季度回访", "Book the quarterly check-in"),
    ("发送年度合作方案", "Send the annual partnership proposal"),
    ("邀请参加客户答谢会", "Invite to the customer appreciation event"),
    ("更新联系人信息", "Update contact details"),
];
pub(crate) const TASKS_PERSON_SALES: &[(&str, &str)] = &[
    ("发送{p}优惠方案", "Send the {p} offer"),
    ("预约到店体验", "Book a store visit"),
    ("电话确认购买意向", "Call to confirm they want to buy"),
    ("更新联系人信息", "Update contact details"),
];
pub(crate) const TASKS_PERSON_ACCOUNT: &[(&str, &str)] = &[
    ("回访{p}使用体验", "Ask how they like the {p}"),
    ("提醒续费", "Remind about renewal"),
    ("发送会员活动", "Send the member offer"),
];
pub(crate) const TASKS_LOST: &[(&str, &str)] =
    &[("回访了解流失原因", "Call to understand why we lost them"), ("发送老客户回归优惠", "Send the win-back offer")];
pub(crate) const TASKS_DORMANT: &[(&str, &str)] = &[
    ("确认是否归档", "Decide whether to archive"),
    ("尝试重新联系", "Try to re-engage"),
    ("发送新品资料唤醒客户", "Send the new catalogue to wake them up"),
];
pub(crate) const TASK_RESULTS: &[(&str, &str)] = &[
    ("已完成，客户已确认", "Done, customer confirmed"),
    ("已发送，等待回复", "Sent, waiting for reply"),
    ("已处理", "Done"),
];

/// Pain points for producers (manufacturing, mining, utilities, construction, farming).
pub(crate) const PAIN_MAKE: &[(&str, &str)] = &[
    ("现有供应商交期不稳定", "Current supplier's lead times are unreliable"),
    ("人工成本上升，希望提升自动化", "Rising labour costs, wants more automation"),
    ("售后响应慢影响生产", "Slow after-sales support disrupts production"),
    ("采购成本偏高", "Purchasing costs too high"),
    ("设备老化，故障率高", "Ageing equipment, frequent breakdowns"),
];
/// Pain points for shops, restaurants and household services.
pub(crate) const PAIN_SHOP: &[(&str, &str)] = &[
    ("门店扩张需要统一管理", "Store expansion needs central management"),
    ("库存积压，周转慢", "Too much stock, slow turnover"),
    ("会员复购率低", "Low repeat purchases from members"),
    ("高峰期收银排队", "Checkout queues at peak hours"),
];
/// Pain points for offices (IT, finance, services, public bodies).
pub(crate) const PAIN_OFFICE: &[(&str, &str)] = &[
    ("系统分散，数据无法打通", "Scattered systems, data does not flow"),
    ("合规要求提高，需要留痕审计", "Stricter compliance, needs audit trails"),
    ("人力成本高，流程靠手工", "High staff costs, manual processes"),
    ("现有服务商响应慢", "Current provider responds slowly"),
];

/// The pain points that fit an industry.
pub(crate) fn pain_points(code: &str) -> &'static [(&'static str, &'static str)] {
    match code {
        "A" | "B" | "C" | "D" | "E" => PAIN_MAKE,
        "F" | "H" | "O" => PAIN_SHOP,
        _ => PAIN_OFFICE,
    }
}
pub(crate) const TIMELINES: &[(&str, &str)] = &[
    ("本季度内", "This quarter"),
    ("三个月内", "Within 3 months"),
    ("下半年", "Second half of the year"),
    ("年底前", "Before year end"),
];
/// Budget ranges, smallest first (indexed like the size bands, roughly).
pub(crate) const BUDGETS: &[&str] = &["5万以内", "5-20万", "20-50万", "50-100万", "100-300万", "300万以上"];

/// Notes on companies.
pub(crate) const NOTES: &[(&str, &str)] = &[
    ("行业内头部企业，决策周期较长。", "Leading company in its field; long decision cycle."),
    ("老板比较看重售后服务。", "The owner values after-sales service above price."),
    ("年底有预算集中释放，提前准备方案。", "Budget is released at year end; prepare proposals early."),
    ("偏好邮件沟通，电话常不接。", "Prefers e-mail; rarely picks up the phone."),
    ("与竞争对手有长期合作，需要耐心培养。", "Long-standing relationship with a competitor; needs patience."),
    ("付款及时，信用良好。", "Pays on time, good credit."),
];

/// Notes on personal customers.
pub(crate) const NOTES_PERSON: &[(&str, &str)] = &[
    ("朋友推荐过来的，比较看重口碑。", "Came through a friend; word of mouth matters to them."),
    ("偏好微信沟通，工作日晚上方便。", "Prefers WeChat, weekday evenings."),
    ("对价格敏感，关注优惠活动。", "Price sensitive, watches for promotions."),
    ("已是第二次咨询，有明确需求。", "Second enquiry, knows what they want."),
];

/// Learner age bands for education customers.
pub(crate) const AGE_BANDS: &[&str] = &["3-6", "6-12", "12-15", "15-18", "18+"];

/// Satisfaction scores in hundredths by service kind: question, fault, complaint.
pub(crate) const SAT_QUESTION: &[u16] = &[500, 500, 450, 400, 480, 500, 450];
pub(crate) const SAT_FAULT: &[u16] = &[400, 350, 450, 300, 500, 400, 420];
pub(crate) const SAT_COMPLAINT: &[u16] = &[200, 250, 300, 150, 350, 100, 300];

/// Personal e-mail domains.
pub(crate) const MAIL_DOMAINS: &[&str] = &["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"];
