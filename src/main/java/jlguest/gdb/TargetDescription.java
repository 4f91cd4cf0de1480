package jlguest.gdb;

/**
 * The register set we offer gdb: its own i386 "core" feature (the 16 integer and segment
 * registers, then the x87 registers and their control registers) and the "sse" feature (XMM0..7
 * and MXCSR, gdb's register numbers 32..40). gdb asks for it with qXfer:features:read:target.xml.
 */
final class TargetDescription {
    private TargetDescription() {
    }

    static final String[] CORE = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
        "cs", "ss", "ds", "es", "fs", "gs"};
    static final int FP_REGS = 8;
    static final int FP_CONTROL = 8;
    /** gdb's numbers: xmm0..xmm7 follow the x87 control registers, then mxcsr. */
    static final int XMM0 = 32, MXCSR = 40;

    static final String XML;

    static {
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n")
                .append("<architecture>i386</architecture>\n<feature name=\"org.gnu.gdb.i386.core\">\n")
                .append("<flags id=\"i386_eflags\" size=\"4\">\n");
        String[] flags = {"CF:0", "PF:2", "AF:4", "ZF:6", "SF:7", "TF:8", "IF:9", "DF:10", "OF:11", "NT:14", "RF:16",
            "VM:17", "AC:18", "VIF:19", "VIP:20", "ID:21"};
        for (String f : flags) {
            String[] p = f.split(":");
            s.append("<field name=\"").append(p[0]).append("\" start=\"").append(p[1]).append("\" end=\"")
                    .append(p[1]).append("\"/>\n");
        }
        s.append("</flags>\n");
        for (String r : CORE) {
            String type = switch (r) {
                case "esp", "ebp" -> "data_ptr";
                case "eip" -> "code_ptr";
                case "eflags" -> "i386_eflags";
                default -> "int32";
            };
            s.append("<reg name=\"").append(r).append("\" bitsize=\"32\" type=\"").append(type).append("\"/>\n");
        }
        for (int i = 0; i < FP_REGS; i++) {
            s.append("<reg name=\"st").append(i).append("\" bitsize=\"80\" type=\"i387_ext\"/>\n");
        }
        for (String r : new String[] {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"}) {
            s.append("<reg name=\"").append(r).append("\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n");
        }
        s.append("</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n")
                .append("<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n")
                .append("<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n")
                .append("<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n")
                .append("<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n")
                .append("<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n")
                .append("<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n")
                .append("<union id=\"vec128\">\n<field name=\"v4_float\" type=\"v4f\"/>\n")
                .append("<field name=\"v2_double\" type=\"v2d\"/>\n<field name=\"v16_int8\" type=\"v16i8\"/>\n")
                .append("<field name=\"v8_int16\" type=\"v8i16\"/>\n<field name=\"v4_int32\" type=\"v4i32\"/>\n")
                .append("<field name=\"v2_int64\" type=\"v2i64\"/>\n<field name=\"uint128\" type=\"uint128\"/>\n")
                .append("</union>\n<flags id=\"i386_mxcsr\" size=\"4\">\n");
        String[] mx = {"IE:0", "DE:1", "ZE:2", "OE:3", "UE:4", "PE:5", "DAZ:6", "IM:7", "DM:8", "ZM:9", "OM:10",
            "UM:11", "PM:12", "FZ:15"};
        for (String f : mx) {
            String[] p = f.split(":");
            s.append("<field name=\"").append(p[0]).append("\" start=\"").append(p[1]).append("\" end=\"")
                    .append(p[1]).append("\"/>\n");
        }
        s.append("</flags>\n");
        for (int i = 0; i < 8; i++) {
            s.append("<reg name=\"xmm").append(i).append("\" bitsize=\"128\" type=\"vec128\" regnum=\"")
                    .append(XMM0 + i).append("\"/>\n");
        }
        s.append("<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n");
        s.append("</feature>\n</target>\n");
        XML = s.toString();
    }

    /** Size in bytes of register {@code n} in the g packet. */
    static int size(int n) {
        return n >= 16 && n < 16 + FP_REGS ? 10 : n >= XMM0 && n < MXCSR ? 16 : 4;
    }

    static int count() {
        return MXCSR + 1;
    }
}
