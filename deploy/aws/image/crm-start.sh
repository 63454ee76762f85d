#!/bin/sh
# crm-start - runs `crm "$@"` where secrets arrive as environment variables (ECS task secrets,
# App Runner runtime secrets). CRM_JWT_KEYS names a key-set *file*, so CRM_JWT_KEYS_JSON, when
# set, is written to a file only this user can read, in memory (/dev/shm) where the container
# has it, else in the home folder or /tmp, and CRM_JWT_KEYS names that file. The value is a
# whole key set ({"keys": [...]}) or one HS256 key ({"kid", "alg", "secret"}), the shape
# Secrets Manager generates. The ECS task definitions run this text with `sh -c`; the App
# Runner image (Dockerfile here) holds it as /usr/local/bin/crm-start.
set -eu
if [ -n "${CRM_JWT_KEYS_JSON:-}" ]; then
    for dir in /dev/shm "${HOME:-/var/lib/crm}" /tmp; do
        [ -d "$dir" ] && [ -w "$dir" ] && break
    done
    umask 077
    file="$dir/crm-jwt-keys.json"
    case "$CRM_JWT_KEYS_JSON" in
    *'"keys"'*) printf '%s\n' "$CRM_JWT_KEYS_JSON" >"$file" ;;
    *) printf '{"keys": [%s]}\n' "$CRM_JWT_KEYS_JSON" >"$file" ;;
    esac
    unset CRM_JWT_KEYS_JSON
    export CRM_JWT_KEYS="$file"
fi
exec crm "$@"
