// A text field for a user name that suggests people as you type (GET /api/v1/users?search=).
import { useEffect, useState } from "react";
import { api, query, type Page, type UserView } from "../../api/client";
import { useT } from "../../i18n";
import { useDebounced, useFieldId } from "./kit";

export function UserPicker({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  placeholder,
}: {
  id: string;
  value: string;
  onChange: (username: string) => void;
  invalid?: boolean;
  describedBy?: string;
  placeholder?: string;
}) {
  const t = useT();
  const listId = useFieldId("users");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [users, setUsers] = useState<UserView[]>([]);
  const search = useDebounced(value.trim(), 200);

  useEffect(() => {
    if (!open) {
      return;
    }
    let live = true;
    api
      .get<Page<UserView>>(`/api/v1/users${query({ search, size: 8 })}`)
      .then((page) => {
        if (live) {
          setUsers(page.items.filter((u) => u.enabled));
          setActive(-1);
        }
      })
      .catch(() => live && setUsers([]));
    return () => {
      live = false;
    };
  }, [search, open]);

  // What the server found, narrowed to what is typed now (an answer may lag behind the typing).
  const needle = value.trim().toLowerCase();
  const matching = users.filter((u) => `${u.username}\n${u.displayName}\n${u.email}`.toLowerCase().includes(needle));
  const shown = open && matching.length > 0;
  const choose = (user: UserView) => {
    onChange(user.username);
    setOpen(false);
  };

  return (
    <div className="user-picker">
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={listId}
        aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        placeholder={placeholder ?? t("apps.userPicker.placeholder")}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (!shown) {
            if (e.key === "ArrowDown") {
              setOpen(true);
            }
            return;
          }
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(matching.length - 1, a + 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === "Enter" && active >= 0) {
            e.preventDefault();
            const user = matching[active];
            if (user) {
              choose(user);
            }
          } else if (e.key === "Escape") {
            e.stopPropagation();
            e.nativeEvent.stopImmediatePropagation();
            setOpen(false);
          }
        }}
      />
      {shown && (
        <ul id={listId} role="listbox" className="user-options" aria-label={t("apps.userPicker.people")}>
          {matching.map((u, i) => (
            <li
              key={u.username}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={`user-option${i === active ? " user-option-active" : ""}`}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(u);
              }}
            >
              <span className="user-option-name">{u.displayName || u.username}</span>
              <span className="muted small mono">{u.username}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
