#!/usr/bin/env bash
# Runs a command with the deployment settings kept in GitHub repository variables appended as cdk
# context arguments (-c key=value), so that personal values (email addresses, user names, client ids)
# need not be committed to cdk.json. A variable that is unset or empty adds nothing: cdk.json's value
# stays. Used by .github/workflows/deploy.yml, whose jobs map vars.<NAME> to SETTING_<NAME>.
#
# Usage: scripts/with-repo-settings.sh <command> [args...]
set -euo pipefail

# SETTING_<repository variable>  context key
settings=(
  "SETTING_ANILIST_USERNAME anilistUsername"
  "SETTING_NOTIFY_EMAIL notifyEmail"
  "SETTING_SENDER_EMAIL senderEmail"
  "SETTING_ALARM_EMAIL alarmEmail"
  "SETTING_MAL_CLIENT_ID mal.clientId"
  "SETTING_MAL_USERNAME mal.username"
  "SETTING_TRAKT_CLIENT_ID trakt.clientId"
  "SETTING_TRAKT_USERNAME trakt.username"
)

if (($# == 0)); then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

context=()
for setting in "${settings[@]}"; do
  read -r variable key <<<"$setting"
  value="${!variable:-}"
  if [[ -n "$value" ]]; then
    context+=(-c "$key=$value")
  fi
done

exec "$@" "${context[@]}"
