{{/* The name every object starts with: the release's name. */}}
{{- define "lyre.fullname" -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "lyre.labels" -}}
app.kubernetes.io/name: lyre
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* Labels that select one component's pods; the context is (dict "root" . "component" "config"). */}}
{{- define "lyre.selectorLabels" -}}
app.kubernetes.io/name: lyre
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lyre.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The database URL given in the values: PostgreSQL or MySQL/MariaDB (SQLite cannot be shared by pods). */}}
{{- define "lyre.databaseUrl" -}}
{{- $url := required "database.url is required (postgres://... or mysql://...), or set existingSecret" .Values.database.url -}}
{{- if not (or (hasPrefix "postgres://" $url) (hasPrefix "postgresql://" $url) (hasPrefix "mysql://" $url)) -}}
{{- fail "database.url must start with postgres://, postgresql:// or mysql://: every pod shares one database" -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{/* The admin service tokens, comma separated: at least one, each at least 32 characters. */}}
{{- define "lyre.adminTokens" -}}
{{- if not .Values.adminTokens -}}
{{- fail "adminTokens is required: at least one admin service token of 32 or more characters (openssl rand -hex 32), or set existingSecret" -}}
{{- end -}}
{{- range .Values.adminTokens -}}
{{- if lt (len .) 32 -}}
{{- fail "adminTokens: each token must be at least 32 characters (openssl rand -hex 32)" -}}
{{- end -}}
{{- end -}}
{{- join "," .Values.adminTokens -}}
{{- end -}}

{{- define "lyre.secretName" -}}
{{- if .Values.existingSecret -}}
{{ .Values.existingSecret }}
{{- else -}}
{{ include "lyre.fullname" . }}
{{- end -}}
{{- end -}}

{{/* One component's Deployment; the context is (dict "root" . "component" "config" "target" "config-service" "values" .Values.config "port" 8080). */}}
{{- define "lyre.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "lyre.fullname" .root }}-{{ .component }}
  labels:
    {{- include "lyre.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (and (eq .component "config") .values.autoscaling.enabled) }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "lyre.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "lyre.selectorLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "lyre.configChecksum" .root }}
    spec:
      {{- with .root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml .root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .component }}
          image: {{ include "lyre.image" .root }}
          imagePullPolicy: {{ .root.Values.image.pullPolicy }}
          args: ["--target", {{ .target | quote }}]
          envFrom:
            - configMapRef:
                name: {{ include "lyre.fullname" .root }}
            - secretRef:
                name: {{ include "lyre.secretName" .root }}
            {{- if and (eq .component "portal") .values.signInSecret }}
            - secretRef:
                name: {{ .values.signInSecret }}
            {{- end }}
          env:
            {{- include "lyre.componentEnv" . | trim | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ .port }}
          livenessProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
            failureThreshold: 2
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if and (eq .component "portal") .values.signIn }}
            - name: sign-in
              mountPath: /etc/lyre
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- if and (eq .component "portal") .values.signIn }}
        - name: sign-in
          configMap:
            name: {{ include "lyre.fullname" .root }}-sign-in
        {{- end }}
      {{- with .values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* What each component listens on, and the URL it is reached at (the meta server gives these out). */}}
{{- define "lyre.componentEnv" -}}
{{- $name := include "lyre.fullname" .root -}}
{{- $domain := printf "%s.svc.cluster.local" .root.Release.Namespace -}}
{{- if eq .component "config" }}
- name: LYRE_CONFIG_ADDR
  value: "0.0.0.0:{{ .port }}"
- name: LYRE_CONFIG_URL
  value: {{ .values.advertisedUrl | default (printf "http://%s-config.%s:%v" $name $domain .port) | quote }}
- name: LYRE_CACHE_ENTRIES
  value: {{ .values.cacheEntries | quote }}
{{- else if eq .component "admin" }}
- name: LYRE_ADMIN_ADDR
  value: "0.0.0.0:{{ .port }}"
- name: LYRE_ADMIN_URL
  value: {{ printf "http://%s-admin.%s:%v" $name $domain .port | quote }}
- name: LYRE_ITEM_KEY_MAX_LENGTH
  value: {{ .values.itemKeyMaxLength | quote }}
- name: LYRE_ITEM_VALUE_MAX_LENGTH
  value: {{ .values.itemValueMaxLength | quote }}
{{- else }}
- name: LYRE_PORTAL_ADDR
  value: "0.0.0.0:{{ .port }}"
- name: LYRE_META_URL
  value: {{ printf "http://%s-config.%s:%v" $name $domain .root.Values.config.service.port | quote }}
- name: LYRE_SESSION_TTL_SECS
  value: {{ .values.sessionTtlSecs | quote }}
- name: LYRE_COOKIE_SECURE
  value: {{ .values.cookieSecure | quote }}
- name: LYRE_TRUSTED_PROXIES
  value: {{ .values.trustedProxies | quote }}
{{- if .values.signIn }}
- name: LYRE_CONFIG
  value: /etc/lyre/lyre.toml
{{- end }}
{{- end }}
{{- end -}}

{{/* Pods restart when their settings change. */}}
{{- define "lyre.configChecksum" -}}
{{- printf "%v|%v|%v|%v|%v|%v" .Values.envs .Values.config.longPollTimeoutSecs .Values.config.scanIntervalMs .Values.log .Values.database.maxConnections .Values.portal.signIn | sha256sum | trunc 16 | quote -}}
{{- end -}}
