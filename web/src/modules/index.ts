// index.ts - the modules compiled into the web app (as the server's registry.c lists its own).
// Adding one is its folder under modules/ and one line here.
import type { WebModule } from "./types";
import { crmModule } from "./crm";
import { clinicModule } from "./clinic";

export const modules: WebModule[] = [crmModule, clinicModule];
