"""embed_sql.py - named SQL statements in .sql files, for embed.py's `statements` kind.

A .sql file beside a C file holds blocks, each introduced by a comment line:

  -- name: deal_get                 a statement (one, ending with ;)
  -- fragment: idem_prior(route, key)  SQL that statements splice in as :idem_prior('deals', $11)

The comment lines right after the header describe the block; among them
`-- returns: j, version` names the result columns the C code reads, in order. See docs/sql.md.

For each file it writes a header (the statements' crm_stmt_t, their parameter counts and
result column enums); all statements also go into one C file with their text and the table
crm_sql_statements[] that `crm statements` checks against the database.
"""
import os
import re
import sys

NAME = r"[a-z][a-z0-9_]*"
HEADER = re.compile(rf"^-- (name|fragment): ({NAME})(?:\((.*)\))?\s*$")
RETURNS = re.compile(r"^-- returns:(.*)$")
LINE_MAX = 100


class SqlError(Exception):
    pass


def fail(where, message):
    raise SqlError(f"{where}: {message}")


class Block:
    def __init__(self, kind, name, params, path, line):
        self.kind, self.name, self.params = kind, name, params
        self.path, self.line = shown(path), line
        self.about, self.returns, self.body = [], [], []

    @property
    def where(self):
        return f"{self.path}:{self.line}"


def scan(sql, where, on_text=None, on_colon=None, on_param=None, blank_quotes=False):
    """Walks SQL outside literals, quoted names and comments (which it drops) and returns the
    text rebuilt from the callbacks' answers: on_colon(name, i) -> (replacement, next index)
    for :name, on_param(n) for $n; with blank_quotes, each quoted text (literals, names,
    dollar-quoted bodies) becomes '' so that what remains is the statement's own syntax."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                fail(where, "unterminated /* comment")
            out.append(" ")
            i = j + 2
        elif c in "'\"":
            j = i + 1
            while True:
                j = sql.find(c, j)
                if j < 0:
                    fail(where, f"unterminated {c} quote")
                if sql.startswith(c + c, j):
                    j += 2
                    continue
                break
            out.append("''" if blank_quotes else sql[i:j + 1])
            i = j + 1
        elif c == "$":
            m = re.match(r"\$(\d+)", sql[i:])
            t = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])
            if m:
                if on_param:
                    on_param(int(m.group(1)))
                out.append(m.group(0))
                i += len(m.group(0))
            elif t:
                j = sql.find(t.group(0), i + len(t.group(0)))
                if j < 0:
                    fail(where, f"unterminated {t.group(0)} quote")
                j += len(t.group(0))
                out.append("''" if blank_quotes else sql[i:j])
                i = j
            else:
                out.append(c)
                i += 1
        elif c == ":" and on_colon and (i == 0 or not re.match(r"[:\w]", sql[i - 1])):
            m = re.match(NAME, sql[i + 1:])
            if m:
                text, i = on_colon(m.group(0), i + 1 + len(m.group(0)))
                out.append(text)
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(sql, i, where):
    """The comma-separated arguments of the parenthesis at sql[i], and the index after it."""
    args, depth, start, j = [], 0, i + 1, i
    while j < len(sql):
        c = sql[j]
        if c in "'\"":
            k = j + 1
            while True:
                k = sql.find(c, k)
                if k < 0:
                    fail(where, "unterminated quote in fragment arguments")
                if sql.startswith(c + c, k):
                    k += 2
                    continue
                break
            j = k
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[start:j].strip())
                return args, j + 1
        elif c == "," and depth == 1:
            args.append(sql[start:j].strip())
            start = j + 1
        j += 1
    fail(where, "unclosed fragment arguments")


def expand(sql, fragments, where, bound=None, depth=0):
    """sql with every :fragment(args) spliced in and every :param of bound replaced."""
    if depth > 8:
        fail(where, "fragments nest too deeply")
    bound = bound or {}

    def on_colon(name, i):
        if name in bound:
            return bound[name], i
        frag = fragments.get(name)
        if not frag:
            fail(where, f":{name} is neither a fragment nor a parameter of one")
        args = []
        if i < len(sql) and sql[i] == "(":
            args, i = split_args(sql, i, where)
        if len(args) != len(frag.params):
            fail(where, f":{name} takes {len(frag.params)} arguments, given {len(args)}")
        values = {p: expand(a, fragments, where, bound, depth + 1) for p, a in zip(frag.params, args)}
        text = expand("\n".join(frag.body), fragments, frag.where, values, depth + 1)
        return text.strip(), i

    return scan(sql, where, on_colon=on_colon)


def parse(path):
    """The blocks of one .sql file, checked for the house style's mechanical rules."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, block, in_head = [], None, False
    for no, line in enumerate(lines, 1):
        where = f"{path}:{no}"
        if "\t" in line or line != line.rstrip():
            fail(where, "tabs or trailing spaces")
        if len(line) > LINE_MAX:
            fail(where, f"longer than {LINE_MAX} characters")
        m = HEADER.match(line)
        if m:
            kind, name, params = m.group(1), m.group(2), m.group(3)
            if kind == "name" and params is not None:
                fail(where, "a statement takes no arguments (a fragment does)")
            names = [p.strip() for p in params.split(",")] if params else []
            for p in names:
                if not re.fullmatch(NAME, p):
                    fail(where, f"fragment parameter {p!r} is not snake_case")
            block = Block(kind, name, names, path, no)
            blocks.append(block)
            in_head = True
            continue
        if block is None:
            if line and not line.startswith("--"):
                fail(where, "SQL before the first -- name: or -- fragment: line")
            continue
        r = RETURNS.match(line)
        if in_head and r:
            cols = [c.strip() for c in r.group(1).split(",") if c.strip()]
            for c in cols:
                if not re.fullmatch(r"[a-z_][a-z0-9_]*", c):
                    fail(where, f"result column {c!r} is not a lower-case SQL name")
            block.returns += cols
        elif in_head and line.startswith("--"):
            block.about.append(line[2:].strip())
        else:
            in_head = False
            block.body.append(line)
    for b in blocks:
        while b.body and not b.body[-1].strip():
            b.body.pop()
        if not b.body:
            fail(b.where, f"{b.name} has no SQL")
        if b.kind == "name" and not b.body[-1].endswith(";"):
            fail(b.where, f"{b.name} does not end with ;")
        if len(set(b.returns)) != len(b.returns):
            fail(b.where, f"{b.name} names a result column twice")
        if b.kind == "fragment" and b.returns:
            fail(b.where, "a fragment has no result columns of its own")
    return blocks


def namespace(path):
    """Where a statement's runtime name starts: a module's folder name, "cli", or "core" (the
    core and the crm module, whose statements kept their names, and so their page cursors,
    when the module was renamed)."""
    parts = os.path.normpath(path).split(os.sep)
    if "modules" in parts and parts.index("modules") + 1 < len(parts) - 1:
        return parts[parts.index("modules") + 1]
    return "cli" if "cli" in parts else "core"


def c_prefix(ns):
    return "crm" if ns in ("core", "cli") else ns


class Statement:
    def __init__(self, block, sql, nparams, tenant):
        self.block, self.sql, self.nparams, self.tenant = block, sql, nparams, tenant
        self.ns = namespace(block.path)
        self.runtime = f"{self.ns}.{block.name}"
        self.symbol = f"{c_prefix(self.ns)}_sql_{block.name}"
        enum = block.name.upper() if c_prefix(self.ns) == "crm" else f"{self.ns}_{block.name}".upper()
        self.columns = [f"{enum}_{c.upper()}" for c in block.returns]


TENANT_CALL = "current_tenant_id()"


def bind_tenant(sql, k):
    """sql with every current_tenant_id() outside quotes made parameter $k: the request's
    tenant, which the C side binds (crm_stmt_t.tenant), so that a statement filtering on
    tenant_id = current_tenant_id() names its tenant as a value. Citus routes such a statement
    to the tenant's shard; with the function call it asks every shard."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while True:
                j = sql.find(c, j)
                if sql.startswith(c + c, j):
                    j += 2
                    continue
                break
            out.append(sql[i:j + 1])
            i = j + 1
            continue
        t = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:]) if c == "$" else None
        if t:
            j = sql.find(t.group(0), i + len(t.group(0))) + len(t.group(0))
            out.append(sql[i:j])
            i = j
        elif sql.startswith(TENANT_CALL, i) and (i == 0 or not re.match(r"[\w.]", sql[i - 1])):
            out.append(f"${k}::uuid")
            i += len(TENANT_CALL)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def compile_statement(block, fragments):
    sql = expand("\n".join(block.body), fragments, block.where).strip()
    if not sql.endswith(";"):
        fail(block.where, f"{block.name}: a fragment may not end a statement")
    sql = sql[:-1].rstrip()
    rest = scan(sql, block.where, blank_quotes=True)
    if ";" in rest:
        fail(block.where, f"{block.name} holds more than one statement")
    seen = set()
    scan(sql, block.where, on_param=seen.add)
    nparams = max(seen) if seen else 0
    missing = sorted(set(range(1, nparams + 1)) - seen)
    if missing:
        fail(block.where, f"{block.name} skips parameter ${missing[0]}")
    tenant = 0
    if TENANT_CALL in scan(sql, block.where, blank_quotes=True):
        tenant = nparams + 1
        sql = bind_tenant(sql, tenant)
    lines = [ln.rstrip() for ln in sql.split("\n")]
    return Statement(block, "\n".join(ln for ln in lines if ln.strip()), nparams, tenant)


def c_bytes(text):
    data = text.encode("utf-8") + b"\0"
    items = [str(b) if b < 128 else f"(char){b}" for b in data]
    rows = (",".join(items[i:i + 24]) for i in range(0, len(items), 24))
    return "{" + ",\n".join(rows) + "}"


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shown(path):
    """A path as the source tree names it (meson passes them relative to the build folder)."""
    p = os.path.normpath(path)
    i = p.rfind("src" + os.sep)
    return p[i:] if i >= 0 else p


def header(path, statements):
    # from the folder and the name, as the header's own name: crm/audit.sql and cli/audit.sql
    # get two guards
    folder = os.path.basename(os.path.dirname(os.path.normpath(path)))
    guard = "CRM_SQL_" + re.sub(r"[^A-Za-z0-9]", "_", f"{folder}_{os.path.basename(path)}").upper()
    out = [f"/* generated by scripts/embed.py from {shown(path)} - do not edit */",
           f"#ifndef {guard}", f"#define {guard}", "", '#include "core/db/db.h"', ""]
    for s in statements:
        about = [f" * {a}".rstrip() for a in s.block.about]
        out += [f"/* {s.runtime}", *about, " */"] if about else [f"/* {s.runtime} */"]
        out.append(f"extern const crm_stmt_t {s.symbol};")
        out.append(f"enum {{ {s.symbol}_params = {s.nparams} }};")
        if s.columns:
            out += ["enum {"] + [f"    {c}," for c in s.columns] + ["};"]
        out.append("")
    out.append("#endif")
    return "\n".join(out) + "\n"


def source(statements, headers):
    out = ["/* generated by scripts/embed.py - do not edit */", '#include "core/db/statements.h"']
    out += [f'#include "{os.path.basename(h)}"' for h in headers]
    out.append("")
    for s in statements:
        out.append(f"static const char {s.symbol}_text[] = {c_bytes(s.sql)};")
        out.append(f"const crm_stmt_t {s.symbol} = {{{c_string(s.runtime)}, {s.symbol}_text, "
                   f"{s.tenant}}};")
    out.append("")
    out.append("const crm_sql_entry_t crm_sql_statements[] = {")
    for s in statements:
        cols = c_string(",".join(s.block.returns)) if s.block.returns else "NULL"
        out.append(f"    {{&{s.symbol}, {s.tenant or s.nparams}, {cols}, "
                   f"{c_string(s.block.where)}}},")
    out.append("    {NULL, 0, NULL, NULL},")
    out.append("};")
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    """Leaves an unchanged output alone, so that what includes it is not rebuilt."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(out_c, out_headers, files):
    if len(out_headers) != len(files):
        raise SqlError("statements: one header output per .sql input")
    parsed = [(path, parse(path)) for path in files]
    fragments, names, symbols = {}, {}, {}
    for _, blocks in parsed:
        for b in blocks:
            if b.kind == "fragment":
                if b.name in fragments:
                    fail(b.where, f"fragment {b.name} is also at {fragments[b.name].where}")
                fragments[b.name] = b
    every = []
    for (path, blocks), out_h in zip(parsed, out_headers):
        statements = [compile_statement(b, fragments) for b in blocks if b.kind == "name"]
        for s in statements:
            for key, seen in ((s.runtime, names), (s.symbol, symbols)):
                if key in seen:
                    fail(s.block.where, f"{key} is also at {seen[key]}")
                seen[key] = s.block.where
        write_if_changed(out_h, header(path, statements))
        every += statements
    write_if_changed(out_c, source(every, out_headers))


def main(args):
    out_c, rest = args[0], args[1:]
    n = len(rest) // 2
    try:
        generate(out_c, rest[:n], rest[n:])
    except SqlError as e:
        sys.exit(f"embed.py: {e}")
    return 0
