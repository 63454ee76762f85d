// ContactsPage.tsx - the contact list: filters (type, tag, owner), search and sort kept in the URL,
// infinite scroll over the API's cursor, and "New contact" for roles that may write contacts.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link as RouterLink, useSearchParams } from "react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Anchor, Button, Group, Loader, NativeSelect, Skeleton, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { api } from "../../../api/client";
import { must, problemMessage } from "../../../lib/problem";
import { formatDate } from "../../../lib/format";
import { useMe } from "../../../app/me";
import { modules } from "../..";
import { contactTypesFor } from "../../types";
import { displayName, keys, useCustomFields, useUsers, type Contact } from "./data";
import NewContactDialog from "./NewContactDialog";
import Pill, { toneOfType } from "./Pill";
import { t } from "./strings";
import classes from "./ContactsPage.module.css";

const PAGE = 25;
const SORTS = ["-created_at", "created_at", "-updated_at", "updated_at", "last_name", "-last_name"] as const;
type Sort = (typeof SORTS)[number];
type ContactType = NonNullable<Contact["type"]>;

export default function ContactsPage() {
  const viewer = useMe();
  const [params, setParams] = useSearchParams();
  const types = contactTypesFor(modules, viewer);
  const users = useUsers(viewer);
  const fields = useCustomFields();
  const [creating, setCreating] = useState(false);

  const type = params.get("type") ?? "";
  const tag = params.get("tag") ?? "";
  const owner = params.get("owner") ?? "";
  const sortParam = params.get("sort") ?? "";
  const sort: Sort = (SORTS as readonly string[]).includes(sortParam) ? (sortParam as Sort) : "-created_at";
  const q = params.get("q") ?? "";

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [tagText, setTagText] = useState(tag);
  const [debouncedTag] = useDebouncedValue(tagText.trim(), 400);

  function update(name: string, value: string) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  }
  useEffect(() => {
    if (debounced !== q) update("q", debounced);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  useEffect(() => {
    if (debouncedTag !== tag) update("tag", debouncedTag);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedTag]);
  // back/forward or a link changing the URL refills the boxes
  useEffect(() => setSearch((s) => (s.trim() === q ? s : q)), [q]);
  useEffect(() => setTagText((s) => (s.trim() === tag ? s : tag)), [tag]);

  const query = { type, tag, owner, q, sort };
  const list = useInfiniteQuery({
    queryKey: [...keys.lists, query],
    initialPageParam: undefined as string | undefined,
    staleTime: 30_000,
    queryFn: async ({ pageParam }) =>
      must(
        await api.GET("/api/v1/contacts", {
          params: {
            query: {
              limit: PAGE,
              cursor: pageParam,
              sort,
              type: (type || undefined) as ContactType | undefined,
              tag: tag || undefined,
              owner_id: owner || undefined,
              q: q || undefined,
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);
  const filtered = !!(type || tag || owner || q);

  // infinite scroll: the row after the last asks for the next page when it comes into view
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNextPage) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { rootMargin: "200px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, rows.length]);

  const userName = (id: string | null | undefined) =>
    id ? (users.data?.find((u) => u.id === id)?.full_name ?? (id === viewer.me.id ? t.ownerYou : "")) : "";

  return (
    <Stack gap="md">
      <Group justify="space-between" gap="sm" className={classes.head}>
        <Title order={1} size="h2" className={classes.title}>
          {t.title}
        </Title>
        {viewer.can("contacts.write") && (
          <Button onClick={() => setCreating(true)} disabled={!fields.data}>
            {t.newContact}
          </Button>
        )}
      </Group>

      <div className={classes.filters} role="search" aria-label={t.filters}>
        <TextInput
          className={classes.search}
          label={t.search}
          placeholder={t.searchPlaceholder}
          type="search"
          value={search}
          maxLength={100}
          onChange={(e) => setSearch(e.currentTarget.value)}
        />
        <NativeSelect
          label={t.type}
          value={type}
          onChange={(e) => update("type", e.currentTarget.value)}
          data={[{ value: "", label: t.anyType }, ...types.map((ty) => ({ value: ty, label: t.typeName(ty) }))]}
        />
        <TextInput label={t.tag} placeholder={t.tagPlaceholder} value={tagText} maxLength={50}
          onChange={(e) => setTagText(e.currentTarget.value)} />
        {viewer.can("users.manage") && (
          <NativeSelect
            label={t.owner}
            value={owner}
            onChange={(e) => update("owner", e.currentTarget.value)}
            data={[{ value: "", label: t.anyOwner }, ...(users.data ?? []).map((u) => ({ value: u.id, label: u.full_name }))]}
          />
        )}
        <NativeSelect
          label={t.sort}
          value={sort}
          onChange={(e) => update("sort", e.currentTarget.value === "-created_at" ? "" : e.currentTarget.value)}
          data={SORTS.map((s) => ({ value: s, label: t.sorts[s] ?? s }))}
        />
        {filtered && (
          <Button
            variant="subtle"
            className={classes.clear}
            onClick={() => {
              setSearch("");
              setTagText("");
              setParams(sort === "-created_at" ? {} : { sort }, { replace: true });
            }}
          >
            {t.clearFilters}
          </Button>
        )}
      </div>

      {list.isError && (
        <Alert color="red" role="alert" title={t.listFailed}>
          {problemMessage(list.error)}
        </Alert>
      )}

      {list.isPending ? (
        <Stack gap="xs" role="status" aria-label={t.loading}>
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} height={44} />
          ))}
        </Stack>
      ) : rows.length === 0 && !list.isError ? (
        <Stack align="center" gap="xs" py="xl" className={classes.empty}>
          <Text fw={500}>{filtered ? t.emptyFiltered : t.emptyAll}</Text>
          {!filtered && viewer.can("contacts.write") && <Text c="dimmed" size="sm">{t.emptyAllHint}</Text>}
        </Stack>
      ) : (
        <>
          <table className={classes.table} aria-label={t.title} aria-busy={list.isFetching || undefined}>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col" className={classes.typeCol}>{t.type}</th>
                <th scope="col">{t.email}</th>
                <th scope="col" className={classes.phoneCol}>{t.phone}</th>
                <th scope="col" className={classes.tagsCol}>{t.tags}</th>
                {viewer.can("users.manage") && <th scope="col" className={classes.ownerCol}>{t.owner}</th>}
                <th scope="col">{t.created}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td className={classes.name}>
                    <Anchor component={RouterLink} to={`/contacts/${c.id}`} className={classes.truncate} title={displayName(c)}>
                      {displayName(c)}
                    </Anchor>
                    {c.company && (c.first_name || c.last_name) && (
                      <Text size="xs" c="dimmed" className={classes.truncate}>
                        {c.company}
                      </Text>
                    )}
                  </td>
                  <td className={classes.type}>
                    <Pill tone={toneOfType(c.type)}>{t.typeName(c.type)}</Pill>
                  </td>
                  <td className={classes.email}>
                    <span className={classes.truncate} title={c.email ?? ""}>{c.email ?? ""}</span>
                  </td>
                  <td className={classes.phone}>{c.phone ?? ""}</td>
                  <td className={classes.tags}>
                    <Group gap={4} wrap="wrap">
                      {c.tags.slice(0, 4).map((tg) => (
                        <Pill key={tg} outline title={tg}>
                          {tg}
                        </Pill>
                      ))}
                      {c.tags.length > 4 && <Text size="xs" c="dimmed">+{c.tags.length - 4}</Text>}
                    </Group>
                  </td>
                  {viewer.can("users.manage") && <td className={classes.owner}>{userName(c.owner_id)}</td>}
                  <td className={classes.created}>{formatDate(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div ref={sentinel} className={classes.more}>
            {list.hasNextPage ? (
              <Button variant="subtle" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? t.loadingMore : t.loadMore}
              </Button>
            ) : null}
            {list.isFetchingNextPage && <Loader size="xs" aria-hidden="true" />}
            <Text size="xs" c="dimmed" role="status" data-testid="contacts-count">
              {t.shown(rows.length, !!list.hasNextPage)}
            </Text>
          </div>
        </>
      )}

      {creating && fields.data && (
        <NewContactDialog
          opened
          onClose={() => setCreating(false)}
          types={types}
          fields={fields.data}
          users={users.data}
        />
      )}
    </Stack>
  );
}
