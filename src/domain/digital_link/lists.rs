//! Code lists some GS1 linters check against, as GS1 publishes them in its
//! Barcode Syntax Dictionary linters (github.com/gs1/gs1-syntax-dictionary,
//! `src/lint_*.c`, Apache License 2.0), copied as data by a script: bit
//! fields indexed by the code's number, most significant bit first.

pub const ISO3166: &[u64] = &[
    0x08a888898888b888,
    0x8aa80a2888888888,
    0x0888888a22232889,
    0x88188a2221e322a2,
    0x2a2a180088888888,
    0x888a888888888888,
    0x888288a2622a22a2,
    0x222222228808b888,
    0x8888970808222222,
    0x2de102888888a222,
    0x320a1b222222a203,
    0xe20808c8088888a8,
    0x8888889a89002021,
    0xe080222a00082102,
    0x0000000000000000,
    0x0000000000000000,
];

pub const ISO3166ALPHA2: &[u64] = &[
    0x1e9afb77f7bdbb7b,
    0xe4fc21a8012b0070,
    0x003a900df9dfa800,
    0xb160181ef00202c0,
    0x00b8d42f8281f2bf,
    0x3fffeba4d2100080,
    0x023cf1ca80000002,
    0x008a8fbfe75cddf9,
    0x59820820eaa10200,
    0x4002000000000800,
    0x1020020080000000,
];

pub const ISO4217: &[u64] = &[
    0x008800008808b808,
    0x8880082080880808,
    0x0880808800220008,
    0x8010820202822000,
    0x0202000008000000,
    0x8888088888888080,
    0x088a88a262222002,
    0x022200008800a080,
    0x88080c0008220200,
    0x2022028880000020,
    0x1202000000202002,
    0xa200008000088888,
    0x0088880081002020,
    0x2080002800002200,
    0x0400000fe6adbfdf,
    0xfdfdfce225000000,
];

pub const MEDIATYPE: &[u8] = &[
    0x7f, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xf0,
];

/// UN/ECE Recommendation 21 package type codes (AI 7016 and others).
pub const PACKAGE_TYPES: &[&str] = &[
    "1A", "1B", "1D", "1F", "1G", "1W", "200", "201", "202", "203", "204", "205", "206", "210",
    "211", "212", "2C", "3A", "3H", "43", "44", "4A", "4B", "4C", "4D", "4F", "4G", "4H", "5H",
    "5L", "5M", "6H", "6P", "7A", "7B", "8", "8A", "8B", "8C", "9", "AA", "AB", "AC", "AD", "AF",
    "AG", "AH", "AI", "AJ", "AL", "AM", "AP", "APE", "AT", "AV", "B4", "BB", "BC", "BD", "BE",
    "BF", "BG", "BGE", "BH", "BI", "BJ", "BK", "BL", "BM", "BME", "BN", "BO", "BP", "BQ", "BR",
    "BRI", "BS", "BT", "BU", "BV", "BW", "BX", "BY", "BZ", "CA", "CB", "CBL", "CC", "CCE", "CD",
    "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CQ", "CR", "CS", "CT",
    "CU", "CV", "CW", "CX", "CY", "CZ", "DA", "DB", "DC", "DG", "DH", "DI", "DJ", "DK", "DL", "DM",
    "DN", "DP", "DPE", "DR", "DS", "DT", "DU", "DV", "DW", "DX", "DY", "E1", "E2", "E3", "EC",
    "ED", "EE", "EF", "EG", "EH", "EI", "EN", "FB", "FC", "FD", "FE", "FI", "FL", "FO", "FOB",
    "FP", "FPE", "FR", "FT", "FW", "FX", "GB", "GI", "GL", "GR", "GU", "GY", "GZ", "HA", "HB",
    "HC", "HG", "HN", "HR", "IA", "IB", "IC", "ID", "IE", "IF", "IG", "IH", "IK", "IL", "IN", "IZ",
    "JB", "JC", "JG", "JR", "JT", "JY", "KG", "KI", "LAB", "LE", "LG", "LT", "LU", "LV", "LZ",
    "MA", "MB", "MC", "ME", "MPE", "MR", "MS", "MT", "MW", "MX", "NA", "NE", "NF", "NG", "NS",
    "NT", "NU", "NV", "OA", "OB", "OC", "OD", "OE", "OF", "OK", "OPE", "OT", "OU", "P2", "PA",
    "PAE", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PJ", "PK", "PL", "PLP", "PN", "PO",
    "POP", "PP", "PPE", "PR", "PT", "PU", "PUE", "PV", "PX", "PY", "PZ", "QA", "QB", "QC", "QD",
    "QF", "QG", "QH", "QJ", "QK", "QL", "QM", "QN", "QP", "QQ", "QR", "QS", "RB1", "RB2", "RB3",
    "RCB", "RD", "RG", "RJ", "RK", "RL", "RO", "RT", "RZ", "S1", "SA", "SB", "SC", "SD", "SE",
    "SEC", "SH", "SI", "SK", "SL", "SM", "SO", "SP", "SS", "ST", "STL", "SU", "SV", "SW", "SX",
    "SY", "SZ", "T1", "TB", "TC", "TD", "TE", "TEV", "TG", "THE", "TI", "TK", "TL", "TN", "TO",
    "TR", "TRE", "TS", "TT", "TTE", "TU", "TV", "TW", "TWE", "TY", "TZ", "UC", "UN", "UUE", "VA",
    "VG", "VI", "VK", "VL", "VN", "VO", "VP", "VQ", "VR", "VS", "VY", "WA", "WB", "WC", "WD", "WF",
    "WG", "WH", "WJ", "WK", "WL", "WM", "WN", "WP", "WQ", "WR", "WRP", "WS", "WT", "WU", "WV",
    "WW", "WX", "WY", "WZ", "X11", "X12", "X15", "X16", "X17", "X18", "X19", "X20", "X3", "XA",
    "XB", "XC", "XD", "XF", "XG", "XH", "XJ", "XK", "YA", "YB", "YC", "YD", "YF", "YG", "YH", "YJ",
    "YK", "YL", "YM", "YN", "YP", "YQ", "YR", "YS", "YT", "YV", "YW", "YX", "YY", "YZ", "ZA", "ZB",
    "ZC", "ZD", "ZF", "ZG", "ZH", "ZJ", "ZK", "ZL", "ZM", "ZN", "ZP", "ZQ", "ZR", "ZS", "ZT", "ZU",
    "ZV", "ZW", "ZX", "ZY", "ZZ",
];
