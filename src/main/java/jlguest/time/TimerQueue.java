package jlguest.time;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jlguest.state.StateException;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The machine's timers, on the CPU thread: one binary heap of armed timers, ordered by deadline.
 *
 * <p>tour:time:020 Devices do not own threads. A device that wants to act later (the PIT's next
 * tick, for instance) arms a {@link Timer} at a guest-time deadline; the run loop asks
 * {@link #nextDeadline()} how long the CPU may run (or sleep, when halted) and calls
 * {@link #runExpired(long)} when that moment has come. Everything stays on one thread, so devices
 * need no locks. A timer knows its own slot in the heap, so arming, re-arming and cancelling are
 * O(log n) and allocate nothing: the PIT re-arms its timer a thousand times a second.
 */
public final class TimerQueue implements Stateful {
    /**
     * Firings allowed in one {@link #runExpired} call: a safety net against an action that keeps
     * re-arming itself in the past. The remaining ones fire on the next call.
     */
    static final int MAX_FIRINGS_PER_RUN = 1 << 16;

    private Timer[] heap = new Timer[8];
    private int size;
    /** Every timer made here, armed or not: a snapshot names them. */
    private final List<Timer> all = new ArrayList<>();

    /** A new, unarmed timer; {@code action} runs on the CPU thread when it expires. Names are unique. */
    public Timer newTimer(String name, Runnable action) {
        for (Timer t : all) {
            if (t.name.equals(name)) {
                throw new IllegalArgumentException("a timer named " + name + " exists already");
            }
        }
        Timer t = new Timer(name, action);
        all.add(t);
        return t;
    }

    /**
     * tour:snapshot:030 The armed timers, by name, in the heap's own order. The order matters only
     * for timers with equal deadlines, which fire in heap order; rebuilding the same array on
     * restore makes them fire in the same order as in the run that was saved, so a deterministic
     * run goes on byte for byte. The timers' owners (the PIT, the hypercall timer) save everything
     * else about them.
     */
    @Override
    public void save(StateWriter out) {
        out.i32(size);
        for (int i = 0; i < size; i++) {
            out.string(heap[i].name).i64(heap[i].deadline);
        }
    }

    @Override
    public void restore(StateReader in) {
        for (Timer t : all) {
            t.index = -1;
        }
        Arrays.fill(heap, null);
        int n = in.i32(0, all.size(), "armed timers");
        size = 0;
        for (int i = 0; i < n; i++) {
            String name = in.string();
            Timer t = all.stream().filter(x -> x.name.equals(name)).findFirst()
                    .orElseThrow(() -> new StateException("the snapshot arms a timer this machine has not: " + name));
            if (t.index >= 0) {
                throw new StateException("timer " + name + " is armed twice");
            }
            t.deadline = in.i64();
            if (i > 0 && t.deadline < heap[(i - 1) >>> 1].deadline) {
                throw new StateException("the timer heap is out of order at " + name);
            }
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            heap[size] = t;
            t.index = size++;
        }
    }

    /** The earliest armed deadline in guest nanoseconds, or {@link Long#MAX_VALUE} if none is armed. */
    public long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /**
     * Fires, in deadline order, every timer whose deadline is at or before {@code nowNanos}. A timer is
     * disarmed before its action runs, so the action may re-arm it; if it re-arms it at or before
     * {@code nowNanos} it fires again in this same call (up to a safety limit).
     */
    public void runExpired(long nowNanos) {
        for (int fired = 0; size > 0 && heap[0].deadline <= nowNanos && fired < MAX_FIRINGS_PER_RUN; fired++) {
            Timer t = heap[0];
            removeAt(0);
            t.action.run();
        }
    }

    /** For the monitor: the armed timers and their deadlines, soonest first. */
    public String describe() {
        Timer[] armed = Arrays.copyOf(heap, size);
        Arrays.sort(armed, (a, b) -> Long.compare(a.deadline, b.deadline));
        StringBuilder sb = new StringBuilder();
        for (Timer t : armed) {
            sb.append(t.name).append(" @ ").append(t.deadline).append(" ns\n");
        }
        return sb.length() == 0 ? "no timers armed\n" : sb.toString();
    }

    private void removeAt(int i) {
        Timer gone = heap[i];
        gone.index = -1;
        size--;
        if (i != size) {
            Timer last = heap[size];
            heap[i] = last;
            last.index = i;
            siftDown(i);
            siftUp(last.index);
        }
        heap[size] = null;
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (p.deadline <= t.deadline) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].deadline < heap[child].deadline) {
                child++;
            }
            Timer c = heap[child];
            if (t.deadline <= c.deadline) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }

    /** One timer: armed at most once at a time; re-arming moves its deadline. */
    public final class Timer {
        private final String name;
        private final Runnable action;
        private long deadline;
        private int index = -1;

        private Timer(String name, Runnable action) {
            this.name = name;
            this.action = action;
        }

        /** Arms (or re-arms) this timer to fire at guest time {@code deadlineNanos}. */
        public void armAt(long deadlineNanos) {
            if (index >= 0) {
                long old = deadline;
                deadline = deadlineNanos;
                if (deadlineNanos < old) {
                    siftUp(index);
                } else {
                    siftDown(index);
                }
                return;
            }
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            deadline = deadlineNanos;
            heap[size] = this;
            index = size;
            size++;
            siftUp(index);
        }

        /** Disarms this timer; harmless if it is not armed. */
        public void cancel() {
            if (index >= 0) {
                removeAt(index);
            }
        }

        public boolean armed() {
            return index >= 0;
        }

        /** The deadline this timer is armed at (meaningless when not armed). */
        public long deadline() {
            return deadline;
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return armed() ? name + " @ " + deadline : name + " (unarmed)";
        }
    }
}
