-- clinic 0014: the clinic's contact type, patient (declared in module.c; `crm migrate` keeps
-- the row equal to the declaration). A patient is a subject of the audit log (reading their
-- record is audited, the row names them) and stays a patient. Inserted here, before
-- contacts.type's reference to contact_types (core 0022) is validated: existing patients
-- then satisfy it, and every contact is checked from now on.
INSERT INTO contact_types (name, module, plural, sensitive, sticky)
VALUES ('patient', 'clinic', 'patients', true, true)
ON CONFLICT (name) DO NOTHING;
ALTER TABLE contacts VALIDATE CONSTRAINT contacts_type_fkey;
