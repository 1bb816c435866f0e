#include <stdio.h>
#include <string.h>

/* One key = value setting of a configuration file. */
struct setting {
    char key[64];
    char value[256];
};

/* Parses one "key = value" line into out; returns 0 on success, -1 when the
 * line has no '=' or a key that is too long. */
int parse_setting(const char *line, struct setting *out) {
    const char *eq = strchr(line, '=');
    if (!eq || (size_t)(eq - line) >= sizeof out->key) return -1;
    memcpy(out->key, line, (size_t)(eq - line));
    out->key[eq - line] = '\0';
    snprintf(out->value, sizeof out->value, "%s", eq + 1);
    return 0;
}

/* Reads every setting of a file, counting the lines that parse. */
int count_settings(FILE *fp) {
    char line[512];
    struct setting s;
    int n = 0;
    while (fgets(line, sizeof line, fp))
        if (parse_setting(line, &s) == 0) n++;
    return n;
}
