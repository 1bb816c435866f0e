/* The commands and options of the ripvec binary: the data behind parsing,
 * --help, the man page and the shell completions (see opt.h). */
#include "cli/opt.h"
#include "cli/opt_ids.h"

#define SEARCHES (RV_CMD_SEARCH | RV_CMD_SIMILAR)
#define WALKS (RV_CMD_SEARCH | RV_CMD_INDEX | RV_CMD_MCP | RV_CMD_SIMILAR | RV_CMD_REPOMAP)
#define ENGINES (WALKS | RV_CMD_EMBED)
#define MODELS (ENGINES | RV_CMD_TOKENIZE)

const rv_cmd_def rv_cmds[] = {
    {RV_CMD_SEARCH, "", "[OPTIONS] QUERY [PATH...]",
     "Semantic code search: finds the code that does what QUERY says, in each PATH (default: "
     "the current directory). Each PATH is searched with the index of the root it belongs "
     "to; the results are merged."},
    {RV_CMD_INDEX, "index", "status|update|stop|clear|rebuild|list|gc [OPTIONS] [PATH]",
     "The persistent index by hand. status: files, chunks, model, format, last update, "
     "location, chunks embedded of the total, the indexer's progress (running or not, pid, "
     "rate, time left) and a full consistency check (exit 0 consistent, 2 missing or "
     "damaged; --format json for programs); update (or `ripvec index PATH`): bring the index "
     "of PATH up to date (what a search does first), whatever the tree's size; stop: end "
     "the indexer of PATH (exit 1 when none runs); clear: delete "
     "the index of PATH for the model; rebuild: index everything of PATH again (searches "
     "keep the old index until the new one is complete); list: every index in the cache "
     "(root, model, size, last used); gc: delete indexes whose root is gone or that were "
     "not used for --older-than DAYS (default 90)."},
    {RV_CMD_MCP, "mcp", "[OPTIONS] [ROOT]",
     "Serves the search engine to AI agents over the Model Context Protocol (JSON-RPC 2.0 on "
     "stdin/stdout, one message per line). Tools: search_code, find_similar, get_repo_map, "
     "reindex, index_status. ROOT defaults to $RIPVEC_ROOT, else the current directory."},
    {RV_CMD_SIMILAR, "find-similar", "[OPTIONS] FILE:LINE [ROOT]",
     "The chunks most similar to the code at FILE:LINE (the chunk there excluded): other "
     "implementations, duplicates, related code. ROOT defaults to the current directory."},
    {RV_CMD_REPOMAP, "repo-map", "[OPTIONS] [ROOT]",
     "A compact overview of the repository: files and their main definitions, most "
     "connected first, within a token budget (--max-tokens, default 2000; --focus FILE puts "
     "that file and its neighbours first)."},
    {RV_CMD_LSP, "lsp", "[--stdio] [OPTIONS]",
     "Serves semantic code navigation to editors over the Language Server Protocol (3.17, "
     "stdio): workspace symbols by meaning, document symbols, definition, references, "
     "hover, ripvec/search and ripvec.findSimilar. The workspace folders come from the "
     "client. See docs/LSP.md."},
    {RV_CMD_EMBED, "embed", "[OPTIONS] [FILE]",
     "Reads JSON Lines from FILE (or stdin), each a string or an object with a \"text\" "
     "string, and writes one L2-normalized embedding per input, in input order: "
     "{\"embedding\":[...]} lines (jsonl, the default) or rows of raw little-endian float32 "
     "(f32). Blank lines are skipped; texts longer than the model's limit are truncated."},
    {RV_CMD_TOKENIZE, "tokenize", "[OPTIONS]",
     "Reads JSON Lines from stdin, each a string or an object with a \"text\" string, and "
     "prints one JSON array of token ids per line: [CLS] ... [SEP], truncated to --max-len "
     "ids. The model may also be a directory holding only tokenizer.json or vocab.txt."},
    {RV_CMD_MODEL, "model", "fetch|list|path|info [OPTIONS] [MODEL]",
     "The model cache. fetch: download a known model (default: the default model); list: "
     "known and cached models with size and path; path: the directory MODEL resolves to (no "
     "download); info: the model's configuration, checked against its weights and "
     "tokenizer. MODEL is a known name (all-minilm-l6-v2, bge-small-en-v1.5, or their "
     "Hugging Face ids) or a directory in Hugging Face layout."},
};
const size_t rv_n_cmds = sizeof rv_cmds / sizeof rv_cmds[0];

const rv_opt_def rv_opt_table[] = {
    /* ranking */
    {OPT_TOP_K, 'n', "top-k", "N", NULL, SEARCHES, "Ranking", "results to show (default 10)"},
    {OPT_THRESHOLD, 'T', "threshold", "X", NULL, RV_CMD_SEARCH, "Ranking",
     "drop results scoring below X (default 0.12 in hybrid mode, see docs/SEARCH.md; 0 "
     "keeps all)"},
    {OPT_MODE, 'm', "mode", "MODE", "hybrid semantic keyword", RV_CMD_SEARCH, "Ranking",
     "hybrid (default), semantic or keyword"},
    {OPT_CONTENT, 0, "content", "WHAT", "all code docs", RV_CMD_SEARCH, "Ranking",
     "all (default: code first), code or docs"},
    {OPT_EXPLAIN, 0, "explain", NULL, NULL, RV_CMD_SEARCH, "Ranking",
     "show why each result ranks where it does"},
    {OPT_SORT, 0, "sort", "BY", "score path", SEARCHES, "Ranking",
     "order of the results: score (default) or path"},
    /* output */
    {OPT_FORMAT, 0, "format", "FMT", "plain json jsonl", SEARCHES | RV_CMD_INDEX, "Output",
     "plain (default) or json (JSON Lines; index status: one object)"},
    {OPT_JSON, 0, "json", NULL, NULL, SEARCHES | RV_CMD_INDEX, "Output", "same as --format json"},
    {OPT_JSON, 0, "jsonl", NULL, NULL, SEARCHES | RV_CMD_INDEX, "Output",
     "same as --format json"},
    {OPT_COLOR, 0, "color", "WHEN", "auto always never", SEARCHES | RV_CMD_REPOMAP, "Output",
     "auto (default), always or never (NO_COLOR is honoured)"},
    {OPT_COLOR, 0, "colour", "WHEN", "auto always never", SEARCHES | RV_CMD_REPOMAP, "Output",
     "same as --color"},
    {OPT_CONTEXT, 'C', "context-lines", "N", NULL, SEARCHES, "Output",
     "snippet lines per result (default 3)"},
    {OPT_NO_SNIPPET, 0, "no-snippet", NULL, NULL, SEARCHES, "Output", "no snippet lines"},
    {OPT_FILES_WITH, 'l', "files-with-matches", NULL, NULL, SEARCHES, "Output",
     "print each matching file once"},
    {OPT_COUNT, 'c', "count", NULL, NULL, SEARCHES, "Output",
     "print each matching file once with its number of results"},
    {OPT_NULL, '0', "null", NULL, NULL, SEARCHES, "Output",
     "with -l or --files, end each path with a NUL byte instead of a newline"},
    {OPT_FILES, 0, "files", NULL, NULL, RV_CMD_SEARCH, "Output",
     "print the files that would be searched, and nothing else (no QUERY)"},
    {OPT_TYPE_LIST, 0, "type-list", NULL, NULL, RV_CMD_SEARCH | RV_CMD_INDEX, "Output",
     "print the file types -t accepts, with their globs"},
    {OPT_QUIET, 'q', "quiet", NULL, NULL, RV_CMD_ALL & ~RV_CMD_TOKENIZE, "Output",
     "no progress line or notes"},
    {OPT_VERBOSE, 'v', "verbose", NULL, NULL, WALKS, "Output",
     "notes on skipped files, the device and the config file on stderr"},
    /* files */
    {OPT_HIDDEN, 0, "hidden", NULL, NULL, WALKS, "Files (as ripgrep)",
     "search hidden files and directories"},
    {OPT_NO_IGNORE, 0, "no-ignore", NULL, NULL, WALKS, "Files (as ripgrep)",
     "ignore .gitignore, .ignore and .ripvecignore files"},
    {OPT_FOLLOW, 'L', "follow", NULL, NULL, WALKS, "Files (as ripgrep)", "follow symbolic links"},
    {OPT_TYPE, 't', "type", "TYPE", NULL, WALKS, "Files (as ripgrep)",
     "only files of TYPE (repeatable; see --type-list)"},
    {OPT_GLOB, 'g', "glob", "GLOB", NULL, WALKS, "Files (as ripgrep)",
     "include/exclude (!GLOB) paths (repeatable)"},
    {OPT_MAX_FILESIZE, 0, "max-filesize", "N", NULL, WALKS, "Files (as ripgrep)",
     "skip larger files (suffix K, M, G; default 1M)"},
    /* engine and index */
    {OPT_MODEL, 0, "model", "M", NULL, MODELS | RV_CMD_LSP, "Engine and index",
     "model name or directory (default $RIPVEC_MODEL or all-minilm-l6-v2, fetched on first "
     "use)"},
    {OPT_DEVICE, 0, "device", "D", "cpu cuda auto", ENGINES | RV_CMD_LSP, "Engine and index",
     "cpu (default), cuda or auto"},
    {OPT_THREADS, 'j', "threads", "N", NULL, ENGINES | RV_CMD_LSP, "Engine and index",
     "threads that read, chunk and embed, 1 to 4096 (default: all cores)"},
    {OPT_PRECISION, 0, "precision", "P", "fp32 fp16 int8 bf16", ENGINES | RV_CMD_LSP,
     "Engine and index",
     "fp32 (default), fp16, int8 or bf16 weights (cpu; int8 is ~2x faster to index)"},
    {OPT_INDEX, 0, "index", NULL, NULL, SEARCHES | RV_CMD_REPOMAP, "Engine and index",
     "use the persistent index (default)"},
    {OPT_NO_INDEX, 0, "no-index", NULL, NULL, (WALKS & ~RV_CMD_INDEX) | RV_CMD_LSP,
     "Engine and index", "build everything in memory, write nothing"},
    {OPT_NO_WAIT, 0, "no-wait", NULL, NULL, RV_CMD_SEARCH | RV_CMD_INDEX, "Engine and index",
     "answer at once: files not embedded yet by keywords, the rest embedded in the "
     "background (default on a terminal); index update: do nothing when another process "
     "is updating the index"},
    {OPT_WAIT, 0, "wait", NULL, NULL, RV_CMD_SEARCH | RV_CMD_MCP, "Engine and index",
     "wait for a complete index (search: default when stderr is not a terminal; mcp: "
     "embed in the server, each call waiting for it, instead of answering during warm-up)"},
    {OPT_MAX_CHUNKS, 0, "max-chunks", "N", NULL, RV_CMD_SEARCH | RV_CMD_MCP, "Engine and index",
     "a tree estimated past N chunks (default 200000), or a home or root directory, is "
     "searched by keywords where not embedded, with a note of the cost, and no indexer "
     "starts (`ripvec index PATH` embeds it); 0: no limit"},
    {OPT_NO_BACKGROUND, 0, "no-background", NULL, NULL, RV_CMD_SEARCH, "Engine and index",
     "start no background indexer"},
    {OPT_CACHE_DIR, 0, "cache-dir", "DIR", NULL, WALKS | RV_CMD_LSP, "Engine and index",
     "where indexes live (default $RIPVEC_CACHE, else $XDG_CACHE_HOME/ripvec or "
     "~/.cache/ripvec)"},
    {OPT_REPO_LEVEL, 0, "repo-level", NULL, NULL, WALKS, "Engine and index",
     "keep the index in PATH/.ripvec/"},
    /* command specific */
    {OPT_NO_WARM, 0, "no-warm", NULL, NULL, RV_CMD_MCP, "Server",
     "load and index on the first tool call, not at start"},
    {OPT_NO_WATCH, 0, "no-watch", NULL, NULL, RV_CMD_MCP, "Server",
     "no inotify: walk the root before every call to see changes"},
    {OPT_STDIO, 0, "stdio", NULL, NULL, RV_CMD_LSP, "Server",
     "talk on stdin/stdout (the only transport; accepted for clients that pass it)"},
    {OPT_OLDER_THAN, 0, "older-than", "DAYS", NULL, RV_CMD_INDEX, "Engine and index",
     "index gc: days without use before an index goes (default 90)"},
    {OPT_MAX_TOKENS, 0, "max-tokens", "N", NULL, RV_CMD_REPOMAP, "Map",
     "size of the map in tokens (default 2000)"},
    {OPT_FOCUS, 0, "focus", "FILE", NULL, RV_CMD_REPOMAP, "Map",
     "that file and the files connected to it first"},
    {OPT_EMBED_FORMAT, 0, "format", "FMT", "jsonl f32", RV_CMD_EMBED, "Embedding",
     "jsonl (default) or f32 (raw little-endian float32 rows)"},
    {OPT_BATCH_TOKENS, 0, "batch-tokens", "N", NULL, RV_CMD_EMBED, "Embedding",
     "tokens per forward pass"},
    {OPT_MAX_LEN, 0, "max-len", "N", NULL, RV_CMD_TOKENIZE, "Embedding",
     "ids per line at most, 2 to 16777216 (default 512)"},
    {OPT_FORCE, 'f', "force", NULL, NULL, RV_CMD_MODEL, "Models",
     "fetch: download again even when cached"},
    {OPT_WHEEL, 0, "wheel", "FILE", NULL, RV_CMD_MODEL, "Models",
     "fetch: install from a wheel downloaded elsewhere (offline machines)"},
    /* general */
    {OPT_GENERATE, 0, "generate", "KIND", "man bash zsh fish", RV_CMD_SEARCH, "General",
     "print the man page or a shell completion script (man, bash, zsh, fish)"},
    {OPT_HELP, 'h', "help", NULL, NULL, RV_CMD_ALL, "General", "this help"},
    {OPT_VERSION, 'V', "version", NULL, NULL, RV_CMD_SEARCH, "General", "version"},
};
const size_t rv_opt_count = sizeof rv_opt_table / sizeof rv_opt_table[0];
