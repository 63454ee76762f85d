// SearchBox.tsx - the global search: /api/v1/search as you type, results keyboard-navigable
// (arrows, Enter, Escape) in an ARIA combobox; choosing a contact opens its record.
import { useEffect, useId, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { Box, Loader, Paper, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { api } from "../../api/client";
import { must } from "../../lib/problem";
import { t } from "./strings";
import classes from "./SearchBox.module.css";

export default function SearchBox() {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1); // no option until an arrow key picks one
  const [q] = useDebouncedValue(text.trim(), 200);
  const navigate = useNavigate();
  const listId = useId();
  const box = useRef<HTMLDivElement>(null);

  const results = useQuery({
    queryKey: ["search", q],
    enabled: q.length >= 2,
    staleTime: 10_000,
    queryFn: async () => must(await api.GET("/api/v1/search", { params: { query: { q, limit: 8 } } })).data,
  });
  const items = (results.data ?? []).filter((r) => r.kind === "contact");

  useEffect(() => setActive(-1), [q]);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, []);

  function choose(index: number) {
    const item = items[index];
    if (!item?.id) return;
    setOpen(false);
    setText("");
    navigate(`/contacts/${item.id}`);
  }

  const showList = open && q.length >= 2;
  return (
    <Box ref={box} pos="relative" className={classes.box}>
      <TextInput
        aria-label={t.search}
        placeholder={t.searchPlaceholder}
        value={text}
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && items[active] ? `${listId}-${active}` : undefined}
        rightSection={results.isFetching ? <Loader size="xs" /> : null}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, Math.max(items.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            choose(Math.max(active, 0)); // Enter with none picked opens the first match
          } else if (e.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      {showList && (
        <Paper withBorder shadow="md" className={classes.list} id={listId} role="listbox" aria-label={t.search}>
          {items.length === 0 && (
            <Text size="sm" c="dimmed" p="sm" role="status">
              {results.isFetching ? t.searching : t.noResults}
            </Text>
          )}
          {items.map((item, i) => (
            <UnstyledButton
              key={item.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={classes.option}
              data-active={i === active || undefined}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(i)}
              tabIndex={-1}
            >
              <Text size="sm" fw={500} truncate>
                {item.title}
              </Text>
              {item.subtitle && (
                <Text size="xs" c="dimmed" truncate>
                  {item.subtitle}
                </Text>
              )}
            </UnstyledButton>
          ))}
        </Paper>
      )}
    </Box>
  );
}
