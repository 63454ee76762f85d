// ContactForm.tsx - the contact's fields (ContactInput) and its custom fields, rendered from their
// definitions with their validation; shared by the "new contact" dialog and the record's editor.
import { Checkbox, Fieldset, Group, NativeSelect, NumberInput, Stack, TagsInput, TextInput } from "@mantine/core";
import type { Contact, ContactInput, CustomField, User } from "./data";
import DateField from "./DateField";
import { t } from "./strings";
import classes from "./ContactForm.module.css";

type Address = NonNullable<ContactInput["address"]>;
const ADDRESS_PARTS = ["line1", "line2", "city", "region", "postal_code", "country"] as const;
type AddressPart = (typeof ADDRESS_PARTS)[number];

export interface FormValues {
  type: string;
  first_name: string;
  last_name: string;
  company: string;
  email: string;
  phone: string;
  date_of_birth: string;
  gender: string;
  tags: string[];
  owner_id: string;
  source: string;
  address: Record<AddressPart, string>;
  custom: Record<string, string | boolean>;
}

export function emptyValues(type: string): FormValues {
  return {
    type, first_name: "", last_name: "", company: "", email: "", phone: "", date_of_birth: "", gender: "",
    tags: [], owner_id: "", source: "",
    address: { line1: "", line2: "", city: "", region: "", postal_code: "", country: "" },
    custom: {},
  };
}

export function valuesOf(c: Contact, fields: CustomField[]): FormValues {
  const a = (c.address ?? {}) as Address;
  const custom: Record<string, string | boolean> = {};
  for (const f of fields) {
    const v = c.custom_fields[f.name];
    custom[f.name] = f.type === "boolean" ? v === true : v === null || v === undefined ? "" : String(v);
  }
  return {
    type: c.type, first_name: c.first_name ?? "", last_name: c.last_name ?? "", company: c.company ?? "",
    email: c.email ?? "", phone: c.phone ?? "", date_of_birth: c.date_of_birth ?? "", gender: c.gender ?? "",
    tags: [...c.tags], owner_id: c.owner_id ?? "", source: c.source ?? "",
    address: Object.fromEntries(ADDRESS_PARTS.map((p) => [p, a[p] ?? ""])) as Record<AddressPart, string>,
    custom,
  };
}

function customValue(f: CustomField, v: string | boolean | undefined): unknown {
  if (f.type === "boolean") return v === true;
  const s = typeof v === "string" ? v.trim() : "";
  if (s === "") return null;
  return f.type === "number" ? Number(s) : s;
}

/** Checks what the browser can check before asking: required and numeric custom fields. */
export function validate(v: FormValues, fields: CustomField[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = v.custom[f.name];
    const value = customValue(f, raw);
    if (f.required && f.type !== "boolean" && value === null) errors[`custom_fields.${f.name}`] = t.required;
    else if (f.type === "number" && value !== null && !Number.isFinite(value as number))
      errors[`custom_fields.${f.name}`] = t.notANumber;
  }
  if (!v.first_name.trim() && !v.last_name.trim() && !v.company.trim()) errors.last_name = t.required;
  return errors;
}

/** Whether the form shows an input for this problem's field (else the detail is shown). */
export function formClaims(field: string, fields: CustomField[], withOwner: boolean): boolean {
  const own = ["type", "first_name", "last_name", "company", "email", "phone", "date_of_birth", "gender", "source", "tags", "address"];
  if (own.includes(field) || (withOwner && field === "owner_id")) return true;
  if (field.startsWith("address.")) return (ADDRESS_PARTS as readonly string[]).includes(field.slice(8));
  return field.startsWith("custom_fields.") && fields.some((f) => `custom_fields.${f.name}` === field);
}

const nul = (s: string) => (s.trim() === "" ? null : s.trim());

/** The body for POST (everything given) or PATCH (only what changed from `before`). */
export function toInput(v: FormValues, fields: CustomField[], before?: FormValues): ContactInput {
  const full: ContactInput = {
    type: v.type as ContactInput["type"],
    first_name: nul(v.first_name), last_name: nul(v.last_name), company: nul(v.company),
    email: nul(v.email), phone: nul(v.phone), date_of_birth: nul(v.date_of_birth),
    gender: (nul(v.gender) as ContactInput["gender"]) ?? null,
    tags: v.tags, owner_id: nul(v.owner_id), source: nul(v.source),
  };
  const address: Address = {};
  for (const p of ADDRESS_PARTS) if (v.address[p].trim()) address[p] = v.address[p].trim();
  const custom: Record<string, unknown> = {};
  for (const f of fields) {
    const value = customValue(f, v.custom[f.name]);
    if (!before && value === null) continue;
    if (before && JSON.stringify(value) === JSON.stringify(customValue(f, before.custom[f.name]))) continue;
    custom[f.name] = value;
  }
  if (!before) {
    const out: ContactInput = {};
    for (const [k, val] of Object.entries(full))
      if (val !== null && !(Array.isArray(val) && val.length === 0)) (out as Record<string, unknown>)[k] = val;
    if (Object.keys(address).length) out.address = address;
    if (Object.keys(custom).length) out.custom_fields = custom;
    return out;
  }
  const prev = toInput(before, []);
  const out: ContactInput = {};
  for (const [k, val] of Object.entries(full)) {
    const was = (prev as Record<string, unknown>)[k] ?? null;
    const now = Array.isArray(val) && val.length === 0 && was === null ? null : val;
    if (JSON.stringify(now) !== JSON.stringify(was)) (out as Record<string, unknown>)[k] = val;
  }
  if (JSON.stringify(address) !== JSON.stringify(prev.address ?? {})) out.address = address;
  if (Object.keys(custom).length) out.custom_fields = custom;
  return out;
}


interface Props {
  value: FormValues;
  onChange: (v: FormValues) => void;
  errors: Record<string, string>;
  fields: CustomField[];
  types: string[];
  users?: User[];
  /** the type of a record that exists and keeps its type (the API says 422 otherwise) */
  typeLocked?: boolean;
}

export default function ContactForm({ value: v, onChange, errors, fields, types, users, typeLocked }: Props) {
  const set = <K extends keyof FormValues>(k: K, val: FormValues[K]) => onChange({ ...v, [k]: val });
  const text = (k: "first_name" | "last_name" | "company" | "email" | "phone" | "source") => ({
    name: k,
    value: v[k],
    error: errors[k],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => set(k, e.currentTarget.value),
  });
  const typeOptions = types.includes(v.type) ? types : [v.type, ...types];
  return (
    <Stack gap="sm">
      <div className={classes.grid}>
        <NativeSelect
          label={t.type}
          name="type"
          value={v.type}
          disabled={typeLocked}
          error={errors.type}
          onChange={(e) => set("type", e.currentTarget.value)}
          data={typeOptions.map((ty) => ({ value: ty, label: t.typeName(ty) }))}
        />
        <TextInput label={t.firstName} autoComplete="off" maxLength={100} {...text("first_name")} />
        <TextInput label={t.lastName} autoComplete="off" maxLength={100} {...text("last_name")} />
        <TextInput label={t.company} autoComplete="off" maxLength={200} {...text("company")} />
        <TextInput label={t.email} type="text" inputMode="email" autoComplete="off" {...text("email")} />
        <TextInput label={t.phone} type="tel" autoComplete="off" {...text("phone")} />
        <DateField
          label={t.dateOfBirth}
          name="date_of_birth"
          value={v.date_of_birth}
          error={errors.date_of_birth}
          onChange={(ymd) => set("date_of_birth", ymd)}
        />
        <NativeSelect
          label={t.gender}
          name="gender"
          value={v.gender}
          error={errors.gender}
          onChange={(e) => set("gender", e.currentTarget.value)}
          data={[{ value: "", label: t.genderNone }, ...Object.entries(t.genders).map(([value, label]) => ({ value, label }))]}
        />
        {users && (
          <NativeSelect
            label={t.owner}
            name="owner_id"
            value={v.owner_id}
            error={errors.owner_id}
            onChange={(e) => set("owner_id", e.currentTarget.value)}
            data={[{ value: "", label: t.noOwner }, ...users.map((u) => ({ value: u.id, label: u.full_name }))]}
          />
        )}
        <TextInput label={t.source} maxLength={100} {...text("source")} />
      </div>
      <TagsInput
        label={t.tags}
        value={v.tags}
        error={errors.tags}
        onChange={(tags) => set("tags", tags)}
        maxTags={50}
        clearable={false}
        splitChars={[",", " "]}
      />
      <Fieldset legend={t.address} variant="unstyled" className={classes.fieldset}>
        <div className={classes.grid}>
          {ADDRESS_PARTS.map((p) => (
            <TextInput
              key={p}
              label={{ line1: t.line1, line2: t.line2, city: t.city, region: t.region, postal_code: t.postalCode, country: t.country }[p]}
              description={p === "country" ? t.countryHint : undefined}
              maxLength={p === "country" ? 2 : 200}
              value={v.address[p]}
              error={errors[`address.${p}`]}
              onChange={(e) => {
                const val = p === "country" ? e.currentTarget.value.toUpperCase() : e.currentTarget.value;
                onChange({ ...v, address: { ...v.address, [p]: val } });
              }}
            />
          ))}
        </div>
        {errors.address && <div className={classes.error}>{errors.address}</div>}
      </Fieldset>
      {fields.length > 0 && (
        <Fieldset legend={t.customFields} variant="unstyled" className={classes.fieldset}>
          <div className={classes.grid}>
            {fields.map((f) => (
              <CustomInput
                key={f.id}
                field={f}
                value={v.custom[f.name]}
                error={errors[`custom_fields.${f.name}`]}
                onChange={(val) => onChange({ ...v, custom: { ...v.custom, [f.name]: val } })}
              />
            ))}
          </div>
        </Fieldset>
      )}
    </Stack>
  );
}

function CustomInput({ field: f, value, error, onChange }: {
  field: CustomField;
  value: string | boolean | undefined;
  error?: string;
  onChange: (v: string | boolean) => void;
}) {
  const common = { label: f.label, required: f.required, error, name: `custom_fields.${f.name}` };
  const s = typeof value === "string" ? value : "";
  switch (f.type) {
    case "boolean":
      return (
        <Group align="flex-end" className={classes.checkbox}>
          <Checkbox label={f.label} name={common.name} checked={value === true} error={error}
            onChange={(e) => onChange(e.currentTarget.checked)} />
        </Group>
      );
    case "select":
      return (
        <NativeSelect {...common} value={s} onChange={(e) => onChange(e.currentTarget.value)}
          data={[{ value: "", label: t.choose }, ...f.options.map((o) => ({ value: o, label: o }))]} />
      );
    case "number":
      return (
        <NumberInput {...common} value={s} decimalSeparator="." allowDecimal
          onChange={(n) => onChange(n === "" ? "" : String(n))} />
      );
    case "date":
      return <DateField {...common} value={s} onChange={onChange} />;
    default:
      return <TextInput {...common} value={s} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}
