"""The texts behind the golden embeddings, all written for ripvec's tests.

No corpus is read: every sample below was written here, in the style of the
code people search (several languages, comments, config files, docs). Longer
texts are made deterministically by joining samples of one language, so that
half of the code set reaches the model's 256-token limit.

    minilm_texts()  the engine golden: code, prose, Unicode, edge lengths
    code_texts()    the quality gate's code set: >= 100 texts, half at the limit
"""

import math

# (language, text) — short samples, one idea each.
SNIPPETS = [
    ("python", '''def retry(fn, attempts=5, base_delay=0.25):
    """Call fn until it succeeds, doubling the pause after each failure."""
    delay = base_delay
    for attempt in range(attempts):
        try:
            return fn()
        except TimeoutError:
            if attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay *= 2'''),
    ("python", '''class LruCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.items = OrderedDict()

    def get(self, key, default=None):
        if key not in self.items:
            return default
        self.items.move_to_end(key)
        return self.items[key]

    def put(self, key, value):
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.capacity:
            self.items.popitem(last=False)'''),
    ("python", '''def parse_duration(text):
    """'1h30m' -> 5400 seconds; raises ValueError on anything else."""
    units = {"h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for ch in text.strip():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"bad duration: {text!r}")
    return total'''),
    ("python", '''@dataclass
class Chunk:
    path: str
    start_line: int
    end_line: int
    text: str

    def overlaps(self, other):
        return self.path == other.path and not (
            self.end_line < other.start_line or other.end_line < self.start_line)'''),
    ("c", '''/* Grows the buffer to hold at least need bytes; 0 on success. */
static int buf_reserve(struct buf *b, size_t need) {
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}'''),
    ("c", '''int hash_table_insert(hash_table *t, const char *key, void *value) {
    if (t->count * 4 >= t->nslots * 3 && hash_table_grow(t) != 0)
        return -1;
    uint64_t h = fnv1a(key, strlen(key));
    size_t i = h & (t->nslots - 1);
    while (t->slots[i].key) {
        if (strcmp(t->slots[i].key, key) == 0) {
            t->slots[i].value = value;
            return 0;
        }
        i = (i + 1) & (t->nslots - 1);
    }
    t->slots[i].key = key;
    t->slots[i].value = value;
    t->count++;
    return 0;
}'''),
    ("c", '''static void *worker_main(void *arg) {
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        while (!p->stopping && p->head == NULL)
            pthread_cond_wait(&p->cv, &p->mu);
        struct job *j = p->head;
        if (!j) break;
        p->head = j->next;
        pthread_mutex_unlock(&p->mu);
        j->run(j->arg);
        free(j);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}'''),
    ("go", '''// ReadLines returns the lines of path without their newlines.
func ReadLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}'''),
    ("go", '''type RateLimiter struct {
	mu       sync.Mutex
	tokens   float64
	capacity float64
	rate     float64
	last     time.Time
}

func (r *RateLimiter) Allow() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.tokens = math.Min(r.capacity, r.tokens+now.Sub(r.last).Seconds()*r.rate)
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}'''),
    ("go", '''func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "uptime": time.Since(s.started).String()})
}'''),
    ("rust", '''/// Splits `text` into words, keeping identifiers like `snake_case` whole.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_identifiers() {
        assert_eq!(super::words("let max_len = 3;"), vec!["let", "max_len", "3"]);
    }
}'''),
    ("rust", '''impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|e| ConfigError::Io(path.to_owned(), e))?;
        let mut cfg: Config = toml::from_str(&text).map_err(ConfigError::Parse)?;
        if cfg.threads == 0 {
            cfg.threads = num_cpus();
        }
        Ok(cfg)
    }
}'''),
    ("rust", '''enum Token {
    Number(f64),
    Ident(String),
    Op(char),
}

fn eval(stack: &mut Vec<f64>, tok: &Token) -> Result<(), String> {
    match tok {
        Token::Number(n) => stack.push(*n),
        Token::Op(op) => {
            let b = stack.pop().ok_or("stack underflow")?;
            let a = stack.pop().ok_or("stack underflow")?;
            stack.push(match op { '+' => a + b, '-' => a - b, '*' => a * b, _ => a / b });
        }
        Token::Ident(name) => return Err(format!("unknown name {}", name)),
    }
    Ok(())
}'''),
    ("javascript", '''export function debounce(fn, waitMs) {
  let timer = null;
  return function (...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), waitMs);
  };
}

const onResize = debounce(() => layout(document.body), 150);
window.addEventListener("resize", onResize);'''),
    ("javascript", '''async function fetchJson(url, { retries = 3, timeoutMs = 5000 } = {}) {
  for (let i = 0; i <= retries; i++) {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const res = await fetch(url, { signal: ctrl.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.json();
    } catch (err) {
      if (i === retries) throw err;
    } finally {
      clearTimeout(t);
    }
  }
}'''),
    ("typescript", '''interface SearchHit {
  filePath: string;
  startLine: number;
  endLine: number;
  score: number;
}

export function topK(hits: SearchHit[], k: number): SearchHit[] {
  return [...hits]
    .sort((a, b) => b.score - a.score || a.filePath.localeCompare(b.filePath))
    .slice(0, k);
}'''),
    ("typescript", '''type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  on(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(value: T): void {
    for (const fn of this.listeners) fn(value);
  }
}'''),
    ("java", '''public final class Checksums {
    private Checksums() {}

    /** CRC-32 of a file, read in 64 KiB blocks. */
    public static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }
}'''),
    ("java", '''@Override
public Optional<User> findByEmail(String email) {
    String sql = "SELECT id, name, email FROM users WHERE lower(email) = lower(?)";
    try (PreparedStatement st = connection.prepareStatement(sql)) {
        st.setString(1, email);
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            return Optional.of(new User(rs.getLong("id"), rs.getString("name"), rs.getString("email")));
        }
    } catch (SQLException e) {
        throw new RepositoryException("lookup by email failed", e);
    }
}'''),
    ("ruby", '''class Inventory
  def initialize
    @items = Hash.new(0)
  end

  def add(sku, count = 1)
    raise ArgumentError, "count must be positive" unless count.positive?
    @items[sku] += count
  end

  def low_stock(threshold: 5)
    @items.select { |_sku, n| n < threshold }.keys.sort
  end
end'''),
    ("ruby", '''namespace :db do
  desc "Delete sessions older than the given number of days"
  task :prune_sessions, [:days] => :environment do |_t, args|
    days = Integer(args[:days] || 30)
    removed = Session.where("updated_at < ?", days.days.ago).delete_all
    puts "removed #{removed} sessions"
  end
end'''),
    ("bash", '''#!/usr/bin/env bash
# Back up a directory into a dated tarball, keeping the last seven.
set -euo pipefail
src=${1:?usage: backup.sh DIR [DEST]}
dest=${2:-$HOME/backups}
mkdir -p "$dest"
stamp=$(date +%Y-%m-%d)
tar -czf "$dest/$(basename "$src")-$stamp.tar.gz" -C "$(dirname "$src")" "$(basename "$src")"
ls -1t "$dest"/*.tar.gz | tail -n +8 | xargs -r rm --'''),
    ("bash", '''wait_for_port() {
    local host=$1 port=$2 tries=${3:-30}
    for ((i = 0; i < tries; i++)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            return 0
        fi
        sleep 1
    done
    echo "timed out waiting for $host:$port" >&2
    return 1
}'''),
    ("sql", '''-- Orders per customer in the last 30 days, with their total value.
SELECT c.id, c.name, COUNT(o.id) AS orders, SUM(o.amount_cents) / 100.0 AS total
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
WHERE o.created_at >= CURRENT_DATE - INTERVAL '30 days'
GROUP BY c.id, c.name
HAVING COUNT(o.id) > 2
ORDER BY total DESC
LIMIT 20;'''),
    ("sql", '''CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    content_hash BLOB NOT NULL,
    vector BLOB
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(file_id);'''),
    ("lua", '''local function split(s, sep)
  local parts = {}
  for piece in string.gmatch(s, "([^" .. sep .. "]+)") do
    parts[#parts + 1] = piece
  end
  return parts
end

function M.parse_version(v)
  local p = split(v, ".")
  return { major = tonumber(p[1]) or 0, minor = tonumber(p[2]) or 0, patch = tonumber(p[3]) or 0 }
end'''),
    ("cpp", '''template <typename T>
class RingBuffer {
 public:
  explicit RingBuffer(size_t capacity) : data_(capacity) {}

  bool push(const T& v) {
    if (size_ == data_.size()) return false;
    data_[(head_ + size_) % data_.size()] = v;
    ++size_;
    return true;
  }

  std::optional<T> pop() {
    if (size_ == 0) return std::nullopt;
    T v = std::move(data_[head_]);
    head_ = (head_ + 1) % data_.size();
    --size_;
    return v;
  }

 private:
  std::vector<T> data_;
  size_t head_ = 0, size_ = 0;
};'''),
    ("cpp", '''std::string join_path(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  if (out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}'''),
    ("kotlin", '''data class Point(val x: Double, val y: Double)

fun centroid(points: List<Point>): Point? {
    if (points.isEmpty()) return null
    val sx = points.sumOf { it.x }
    val sy = points.sumOf { it.y }
    return Point(sx / points.size, sy / points.size)
}'''),
    ("php", '''function slugify(string $title): string
{
    $slug = strtolower(trim($title));
    $slug = preg_replace('/[^a-z0-9]+/', '-', $slug);
    return trim($slug, '-') ?: 'untitled';
}'''),
    ("csharp", '''public async Task<int> CountLinesAsync(string path, CancellationToken ct)
{
    int count = 0;
    using var reader = new StreamReader(path);
    while (await reader.ReadLineAsync(ct) is not null)
    {
        count++;
    }
    return count;
}'''),
    ("swift", '''struct Stack<Element> {
    private var items: [Element] = []

    mutating func push(_ item: Element) { items.append(item) }

    mutating func pop() -> Element? { items.popLast() }

    var top: Element? { items.last }
    var isEmpty: Bool { items.isEmpty }
}'''),
    ("scala", '''def wordCounts(lines: Iterator[String]): Map[String, Int] =
  lines
    .flatMap(_.toLowerCase.split("\\\\W+"))
    .filter(_.nonEmpty)
    .foldLeft(Map.empty[String, Int]) { (acc, w) => acc.updated(w, acc.getOrElse(w, 0) + 1) }'''),
    ("yaml", '''name: build
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and test
        run: make -j2 && make test
      - name: Upload logs on failure
        if: failure()
        run: tar -czf logs.tar.gz build-*.log'''),
    ("toml", '''[server]
host = "127.0.0.1"
port = 8080
read_timeout_ms = 5000

[index]
model = "all-minilm-l6-v2"
max_file_bytes = 1048576
exclude = ["node_modules", "target", "*.min.js"]'''),
    ("makefile", '''CFLAGS ?= -O2 -Wall -Wextra
OBJS := $(patsubst %.c,build/%.o,$(wildcard src/*.c))

build/%.o: %.c
\t@mkdir -p $(dir $@)
\t$(CC) $(CFLAGS) -MMD -c $< -o $@

app: $(OBJS)
\t$(CC) -o $@ $^ $(LDLIBS)

-include $(OBJS:.o=.d)'''),
    ("markdown", '''## Configuration

Settings are read from `config.toml` in the working directory, then from the
environment (`APP_PORT`, `APP_HOST`), then from flags; later sources win.

| key | default | meaning |
|-----|---------|---------|
| `port` | 8080 | where the server listens |
| `read_timeout_ms` | 5000 | how long a request may take to arrive |'''),
    ("html", '''<form id="search" action="/search" method="get">
  <label for="q">Search the docs</label>
  <input id="q" name="q" type="search" autocomplete="off" required>
  <button type="submit">Go</button>
</form>
<style>
  #search { display: flex; gap: 0.5rem; }
  #search input { flex: 1; padding: 0.25rem 0.5rem; }
</style>'''),
    ("python", '''import argparse

def main(argv=None):
    ap = argparse.ArgumentParser(description="Count words in files.")
    ap.add_argument("files", nargs="+")
    ap.add_argument("-n", "--top", type=int, default=10)
    args = ap.parse_args(argv)
    counts = Counter()
    for name in args.files:
        with open(name, encoding="utf-8", errors="replace") as f:
            counts.update(f.read().lower().split())
    for word, n in counts.most_common(args.top):
        print(f"{n:8d} {word}")'''),
    ("c", '''/* Splits s in place at each sep; returns the number of fields (at most max). */
size_t split_fields(char *s, char sep, char **fields, size_t max) {
    size_t n = 0;
    while (n < max) {
        fields[n++] = s;
        char *p = strchr(s, sep);
        if (!p) break;
        *p = '\\0';
        s = p + 1;
    }
    return n;
}'''),
    ("go", '''func Walk(root string, fn func(path string, size int64) error) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return fn(p, info.Size())
	})
}'''),
    ("rust", '''pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na.sqrt() * nb.sqrt()) }
}'''),
    ("javascript", '''module.exports = function errorHandler(err, req, res, next) {
  const status = err.status || 500;
  if (status >= 500) {
    req.log.error({ err, path: req.path }, "request failed");
  }
  res.status(status).json({ error: status >= 500 ? "internal error" : err.message });
};'''),
    ("java", '''public class Matrix {
    final double[][] a;

    Matrix multiply(Matrix other) {
        int n = a.length, m = other.a[0].length, k = other.a.length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < m; j++)
                    c[i][j] += a[i][p] * other.a[p][j];
        return new Matrix(c);
    }
}'''),
]

PROSE = [
    "retry with exponential backoff",
    "How do I parse command line flags in Go?",
    "A persistent index makes repeated searches instant.",
    "The quick brown fox jumps over the lazy dog.",
    "open a file and read it line by line",
    "HTTP session with connection pooling and cookies",
    "Convert a string to an integer, returning an error on failure.",
    "Semantic code search finds the function even when no word of the query appears in it.",
    "authentication headers for proxies",
    "walk a directory tree honoring .gitignore rules",
    "what does this error mean: connection reset by peer",
    "Represent this sentence for searching relevant passages: cache invalidation",
    "SELECT name, count(*) FROM users GROUP BY name HAVING count(*) > 1;",
    "TODO: handle the case where the timeout is zero",
    "def",
    "x",
    "?",
    "",
    "   ",
    "\n\n\t",
    "a",
    "Hello, World!",
]

UNICODE = [
    "Ünïcödé wörds: naïve café résumé",
    "日本語のテキストと English mixed",
    "Русский текст про повторные попытки",
    "emoji 🚀 rocket 🔥 fire ✨",
    "中文分词测试：指数退避重试",
    "Ελληνικά γράμματα αβγ",
    "ﬁ ligature and ﬀ and Å (combining A\u030a)",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    "مرحبا بالعالم",
    "한국어 문장입니다",
    "tab\tseparated\tvalues and \r\n line endings",
    "control \x01\x02 chars and \ufffd replacement",
]


def long_inputs():
    """Inputs far past the 256-token limit (the tokenizer truncates them)."""
    words = ("retry backoff sleep jitter request response timeout error handler session "
             "connection pool cache index vector embedding").split()
    a = " ".join(words[i % len(words)] for i in range(700))  # ~700 tokens
    b = "\n".join(f"def function_{i}(x, y):\n    return x * {i} + y" for i in range(120))
    c = "supercalifragilisticexpialidocious " * 150  # many word pieces
    d = "x" * 5000  # one huge word -> [UNK]
    e = "é" * 300 + " " + "word " * 400
    return [a, b, c, d, e]


def windows(count, per_text):
    """count texts, each per_text samples joined by blank lines: text i takes
    samples i, i + step, i + 2 step, ... (mod their number), a file-sized
    mix that reaches the 256-token limit; each round over the samples uses
    another step, so no two texts are the same. Deterministic."""
    n = len(SNIPPETS)
    steps = (7, 5, 3, 9)  # each coprime with n (checked below)
    out = []
    for i in range(count):
        step = steps[i // n]
        assert math.gcd(step, n) == 1
        out.append("\n\n".join(SNIPPETS[(i + j * step) % n][1] for j in range(per_text)))
    return out


def first_half(text):
    lines = text.split("\n")
    return "\n".join(lines[:max(2, len(lines) // 2)])


def minilm_texts():
    """The engine golden: every sample, halves of every other one, a few
    windows at the limit, then prose, Unicode and the long edge cases."""
    code = [text for _, text in SNIPPETS]
    code += [first_half(text) for _, text in SNIPPETS[1::2]]
    return code + windows(4, 4) + PROSE + UNICODE + long_inputs()


CODE_SHORT = 50  # texts under the limit: every sample, then halves of the first ones
CODE_LONG = 52  # texts at the limit


def code_texts():
    """The quality gate's set: short code (every sample alone, then the first
    half of the first few) and long code (windows), half or more at the limit."""
    short = [text for _, text in SNIPPETS]
    short += [first_half(text) for _, text in SNIPPETS[:CODE_SHORT - len(short)]]
    return short + windows(CODE_LONG, 4)
