package jlguest.cpu.diff;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The committed vector files: src/test/resources/difftest/index.txt names the groups. */
final class VectorFiles {
    private VectorFiles() {
    }

    static List<String> groups() {
        try (InputStream in = resource("index.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String> out = new ArrayList<>();
            for (String line; (line = r.readLine()) != null;) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.trim());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static VectorFormat.Reader open(String group) throws IOException {
        return new VectorFormat.Reader(new GZIPInputStream(resource(group + ".vec.gz"), 1 << 16), true);
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = VectorFiles.class.getResourceAsStream("/difftest/" + name);
        if (in == null) {
            throw new IOException("missing test resource difftest/" + name + " (tools/difftest/regenerate.sh)");
        }
        return in;
    }
}
