// ContactRecord.tsx - placeholder until the screen is built: the contact's name and the record
// sections modules add (so that they can be tried), nothing else.
import { Suspense } from "react";
import { useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { Loader, Stack, Title } from "@mantine/core";
import { api } from "../../../api/client";
import { useMe } from "../../../app/me";
import { must } from "../../../lib/problem";
import { modules } from "../..";
import { recordPanelsFor } from "../../types";

export default function ContactRecord() {
  const { id = "" } = useParams();
  const viewer = useMe();
  const q = useQuery({
    queryKey: ["placeholder-contact", id],
    queryFn: async () => must(await api.GET("/api/v1/contacts/{id}", { params: { path: { id } } })),
  });
  if (!q.data) return <Loader />;
  const c = q.data;
  return (
    <Stack>
      <Title order={1}>{[c.first_name, c.last_name].filter(Boolean).join(" ")}</Title>
      {recordPanelsFor(modules, viewer, c).map((p) => (
        <section key={p.id} aria-label={p.title}>
          <Title order={2} size="h4">{p.title}</Title>
          <Suspense fallback={<Loader />}>
            <p.Component contact={c} />
          </Suspense>
        </section>
      ))}
    </Stack>
  );
}
