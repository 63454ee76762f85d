/* registry.c - the list of compiled-in modules: adding a module is adding one line here */
#include "core/module.h"

#include "crm_build.h"

extern const crm_module_t crm_core_module;
extern const crm_module_t crm_clinic_module;
#ifdef CRM_TESTKIT
extern const crm_module_t crm_testkit_module;
#endif

const crm_module_t *const crm_modules[] = {
    &crm_core_module,
    &crm_clinic_module,
#ifdef CRM_TESTKIT
    &crm_testkit_module,
#endif
    NULL,
};
