package jlguest.machine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs host tools for the guest tests that build their programs: a compiler, or a built program as the oracle. */
final class HostBuild {
    private HostBuild() {
    }

    /** What a finished host command printed on stdout, and its exit status. */
    record Result(int status, String out) {
    }

    /**
     * Runs {@code command} in {@code dir} with {@code env} added to the environment.
     *
     * @throws IOException when the program cannot be started at all (not installed, or a binary
     *         this host cannot execute)
     */
    static Result run(Path dir, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish");
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code command}; a non-zero status fails with the command's output. */
    static String check(Path dir, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        Result r = run(dir, env, command);
        if (r.status() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (status " + r.status() + "):\n" + r.out());
        }
        return r.out();
    }

    /** Whether {@code command} starts and exits with status 0: a probe for an installed tool. */
    static boolean works(Path dir, Map<String, String> env, List<String> command) {
        try {
            return run(dir, env, command).status() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
