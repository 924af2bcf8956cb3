/** One client per region, made when a region is first asked for (a switcher's flows and metrics span regions). */
export function perRegion<Client>(make: (region: string) => Client): (region: string) => Client {
  const clients = new Map<string, Client>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = make(region);
      clients.set(region, client);
    }
    return client;
  };
}
