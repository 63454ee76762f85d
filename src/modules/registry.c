/* registry.c - the list of compiled-in modules: adding a module is one line here (and its subdir)
 */
#include "core/module.h"

#include "crm_build.h"

#ifdef CRM_TESTKIT
#define CRM_TESTKIT_MODULE(M) M(testkit)
#else
#define CRM_TESTKIT_MODULE(M)
#endif

/* The modules in order, the core's crm first: each M(name) is crm_<name>_module of
 * src/modules/<name>/module.c (the crm module's is src/crm/module.c). */
#define CRM_COMPILED_MODULES(M)                                                                    \
    M(crm)                                                                                         \
    M(clinic)                                                                                      \
    CRM_TESTKIT_MODULE(M)

#define CRM_MODULE_DECLARE(name) extern const crm_module_t crm_##name##_module;
#define CRM_MODULE_ENTRY(name)   &crm_##name##_module,

CRM_COMPILED_MODULES(CRM_MODULE_DECLARE)

const crm_module_t *const crm_modules[] = {CRM_COMPILED_MODULES(CRM_MODULE_ENTRY) NULL};
