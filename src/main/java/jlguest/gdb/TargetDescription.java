package jlguest.gdb;

/**
 * The register set we offer gdb: its own i386 "core" feature (the 16 integer and segment
 * registers, then the x87 registers, which we report as zeros: the FPU's state is not ours to
 * show yet). gdb asks for it with qXfer:features:read:target.xml.
 */
final class TargetDescription {
    private TargetDescription() {
    }

    static final String[] CORE = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
        "cs", "ss", "ds", "es", "fs", "gs"};
    static final int FP_REGS = 8;
    static final int FP_CONTROL = 8;

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
        s.append("</feature>\n</target>\n");
        XML = s.toString();
    }

    /** Size in bytes of register {@code n} in the g packet. */
    static int size(int n) {
        return n >= 16 && n < 16 + FP_REGS ? 10 : 4;
    }

    static int count() {
        return CORE.length + FP_REGS + FP_CONTROL;
    }
}
