import { useQuery } from '@tanstack/react-query';
import { call } from '../api/client';

/** Every government department (for pickers), sorted by name; cached for the console session. */
export function useDepartments() {
  return useQuery({
    queryKey: ['orgs', 'departments'],
    queryFn: async () => {
      const page = await call('get', '/api/v1/orgs', { query: { kind: 'department', limit: 500 } });
      return page.items.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    },
    staleTime: 60_000,
  });
}
