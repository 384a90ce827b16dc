import type { Permission } from '@mfiq/api';
import { NavLink, useLocation } from '@remix-run/react';
import { useEffect, useRef } from 'react';

interface NavItem {
  label: string;
  /** Path under /orgs/:slug ('' is the overview). */
  to: string;
  /** Shown only to roles with this permission (the procedures behind the page check it again). */
  permission?: Permission;
  /** Active only on this exact path, not on the pages below it. */
  end?: boolean;
}

type NavEntry = NavItem | { label: string; items: NavItem[] };

/**
 * The organization's navigation: the pages people use daily as tabs, the rest in four menus. A new
 * page is one line in the menu it belongs to.
 */
const ORG_NAV: NavEntry[] = [
  { label: 'Overview', to: '', end: true },
  { label: 'Dashboards', to: '/dashboards' },
  { label: 'Metrics', to: '/metrics' },
  {
    label: 'Alerts',
    items: [
      { label: 'Inbox', to: '/alerts', end: true },
      { label: 'Alert rules', to: '/alerts/rules' },
    ],
  },
  {
    label: 'Data',
    items: [
      { label: 'Forms', to: '/forms', permission: 'forms:read' },
      { label: 'Import CSV', to: '/imports', permission: 'data:write' },
    ],
  },
  { label: 'People', items: [{ label: 'Members', to: '/members' }] },
  {
    label: 'Security',
    items: [
      { label: 'Security policy', to: '/security', permission: 'security:manage' },
      { label: 'API keys', to: '/settings/api-keys', permission: 'apikeys:manage' },
      { label: 'Audit log', to: '/audit', permission: 'audit:read' },
    ],
  },
  {
    label: 'Settings',
    items: [
      { label: 'Organization settings', to: '/settings', end: true },
      { label: 'Backups', to: '/backups', permission: 'backups:manage' },
    ],
  },
];

function isActive(pathname: string, href: string, end = false): boolean {
  return end ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
}

export function OrgNav({ slug, permissions }: { slug: string; permissions: readonly Permission[] }) {
  const { pathname } = useLocation();
  const base = `/orgs/${slug}`;
  const allowed = (item: NavItem) => !item.permission || permissions.includes(item.permission);
  return (
    <nav className="org-nav" aria-label="Organization">
      <ul className="org-nav__list">
        {ORG_NAV.map((entry) => {
          if (!('items' in entry)) return <Tab key={entry.label} base={base} item={entry} />;
          const items = entry.items.filter(allowed);
          // A menu of one is a detour: show the page itself.
          if (items.length <= 1) return items[0] ? <Tab key={entry.label} base={base} item={items[0]} /> : null;
          return <Menu key={entry.label} label={entry.label} base={base} items={items} pathname={pathname} />;
        })}
      </ul>
    </nav>
  );
}

function Tab({ base, item }: { base: string; item: NavItem }) {
  return (
    <li>
      <NavLink to={`${base}${item.to}`} end={item.end ?? false} className="org-nav__link">
        {item.label}
      </NavLink>
    </li>
  );
}

/** A <details> menu: opens with a click, Enter or Space and works without JavaScript. */
function Menu({ label, base, items, pathname }: { label: string; base: string; items: NavItem[]; pathname: string }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const current = items.find((i) => isActive(pathname, `${base}${i.to}`, i.end));

  // Close after a choice (the page changes underneath), on Escape and on a click elsewhere.
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [pathname]);
  useEffect(() => {
    const close = (event: Event) => {
      const el = menu.current;
      if (!el?.open) return;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !el.contains(event.target as Node)) {
        el.open = false;
        if (event instanceof KeyboardEvent) el.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  return (
    <li>
      <details className="org-nav__menu" ref={menu}>
        <summary className={`org-nav__link org-nav__summary${current ? ' active' : ''}`}>
          {label}
          {current ? <span className="visually-hidden">: {current.label}</span> : null}
          <span className="org-nav__chevron" aria-hidden="true" />
        </summary>
        <ul className="org-nav__items">
          {items.map((item) => (
            <li key={item.to}>
              <NavLink to={`${base}${item.to}`} end={item.end ?? false} className="org-nav__item">
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
}
