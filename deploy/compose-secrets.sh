#!/usr/bin/env bash
# compose-secrets.sh - makes the secrets compose.yaml hands its containers, once, in
# deploy/secrets/ (git ignores it): a random database password and the URL holding it, a JWT
# key set (`crm keys generate` of the image) and a platform key. Existing files are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${CRM_IMAGE:-localhost/crm:latest}
dir=deploy/secrets
mkdir -p "$dir"
chmod 0755 "$dir"
rand() { head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c "$1"; }
if [ ! -f "$dir/db_password" ]; then
    rand 32 > "$dir/db_password"
    printf 'postgresql://crm:%s@db:5432/crm' "$(cat "$dir/db_password")" > "$dir/database_url"
fi
[ -f "$dir/platform_key" ] || rand 48 > "$dir/platform_key"
if [ ! -f "$dir/jwt_keys.json" ]; then
    if docker info >/dev/null 2>&1; then run=(docker run); else
        run=(podman --runtime runc run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768); fi
    entry=$("${run[@]}" --rm "$image" keys generate --kid compose-1)
    printf '{"keys": [%s]}\n' "$entry" > "$dir/jwt_keys.json"
fi
# the containers run as their own users: the files are readable, the folder is not listed
chmod 0644 "$dir"/*
echo "compose-secrets: $dir"
