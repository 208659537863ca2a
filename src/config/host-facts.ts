// What the config layer may ask about the machine it will run on. Injected (the config core
// never touches the OS): the daemon passes the real answers, `-t` on another machine or the
// corpus test passes none, and then every host check is skipped.
export interface HostFacts {
  /** keepalived: "WARNING - interface X for vrrp_instance Y doesn't exist" (vrrp_parser.c). */
  interfaceExists(name: string): boolean;
  /** Whether a script path exists and is executable (check_script_secure); absent = not checked. */
  fileExecutable?(path: string): boolean;
  /** Whether a user exists (script_user, `user` keywords); absent = not checked. */
  userExists?(name: string): boolean;
  /** Whether this host forwards the family's packets (NAT needs it); undefined = cannot tell. */
  ipForwarding?(family: 4 | 6): boolean | undefined;
  /** The interfaces of this host holding the address (canonical text); undefined = cannot tell. */
  addressInterfaces?(addr: string): readonly string[] | undefined;
}
