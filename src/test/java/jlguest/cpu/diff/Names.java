package jlguest.cpu.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The form names of one vector file, in order of first use; a case stores the index. */
final class Names {
    private final Map<String, Integer> index = new HashMap<>();
    final List<String> list = new ArrayList<>();

    int index(String name) {
        return index.computeIfAbsent(name, n -> {
            list.add(n);
            return list.size() - 1;
        });
    }
}
