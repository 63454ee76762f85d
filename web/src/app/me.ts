// me.ts - who is signed in: /api/v1/me (role, permissions) and the tenant's enabled modules,
// read once per session and shared by every screen through TanStack Query.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { must } from "../lib/problem";
import type { components } from "../api/schema";
import { useSession } from "../auth/session";

export type Me = components["schemas"]["Me"];

export interface Viewer {
  me: Me;
  modules: Set<string>;
  can: (permission: string) => boolean;
}

export function useViewer(): { viewer?: Viewer; error: unknown; isLoading: boolean } {
  const session = useSession();
  const userId = session.status === "signed-in" ? session.userId : "";
  const q = useQuery({
    queryKey: ["viewer", userId],
    enabled: session.status === "signed-in",
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<Viewer> => {
      const [me, modules] = await Promise.all([api.GET("/api/v1/me"), api.GET("/api/v1/modules")]);
      const meData = must(me);
      const enabled = new Set(must(modules).data.filter((m) => m.enabled).map((m) => m.name));
      const perms = new Set(meData.permissions);
      return { me: meData, modules: enabled, can: (p) => perms.has(p) };
    },
  });
  return { viewer: q.data, error: q.error, isLoading: q.isLoading };
}

/** The viewer inside the signed-in shell (which renders nothing until it is known). */
import { createContext, useContext } from "react";
export const ViewerContext = createContext<Viewer | null>(null);
export function useMe(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error("useMe outside the signed-in shell");
  return v;
}
