dpackage demo;

import java.util.List;

/**
 * Keeps accounts.
 */
public class Bank {
    private final List<String> names;

    public Bank(List<String> names) {
        this.names = names;
    }

    /** Counts accounts. */
    @Override
    public int count() {
        return names.size();
    }

    interface Auditor {
        void audit(Bank b);
    }
}

enum Kind { A, B }
