/**
 * The one list of differential scenarios, and the differences we know about and accept for now.
 *
 * Every scenario runs against our daemon and a private dockerd 20.10 (API 1.41). A difference that is not
 * in EXPECTED_DIFFERENCES fails the test (a regression, or a new gap to decide on); an entry here that no
 * longer differs fails it too (remove it: the gap was closed). Keys are `scenario › step › what`, exactly as
 * the test prints them.
 */
import type { Scenario } from './model';
import { clientDetailScenarios } from './scenarios/client-details';
import { clientErrorScenarios } from './scenarios/client-errors';
import { buildScenarios } from './scenarios/build';
import { containerLayerScenarios } from './scenarios/container-layers';
import { containerScenarios } from './scenarios/containers';
import { errorScenarios } from './scenarios/errors';
import { eventScenarios } from './scenarios/events';
import { filterScenarios } from './scenarios/filters';
import { networkScenarios } from './scenarios/networks';
import { registryScenarios } from './scenarios/registry';
import { resourceScenarios } from './scenarios/resources';
import { systemDfScenarios } from './scenarios/system-df';

export const SCENARIOS: Scenario[] = [
  ...containerScenarios,
  ...errorScenarios,
  ...filterScenarios,
  ...networkScenarios,
  ...eventScenarios,
  ...clientErrorScenarios,
  ...clientDetailScenarios,
  ...containerLayerScenarios,
  ...systemDfScenarios,
  ...registryScenarios,
  ...resourceScenarios,
  ...buildScenarios,
];

/*
 * Reasons shared by several entries. Each says what differs and, where we know it, which side is right:
 * "ours omits" and "ours adds" are gaps to close unless marked deliberate.
 */
const NULL_ABSENT = 'Docker sends this field as null; ours leaves it out (a JS client reads undefined, not null)';
const FALSE_ABSENT = 'Docker sends this flag as false; ours leaves it out';
const CONFIG_KEYS = 'Config: ours lacks Entrypoint, Volumes and OnBuild (Docker sends them as null) and has ExposedPorts {} where Docker leaves it out';
const HOSTCONFIG_KEYS = 'HostConfig: ours answers only the fields it uses (AutoRemove, LogConfig, NetworkMode, PortBindings, RestartPolicy, the cgroup limits Memory, NanoCpus, CpuQuota...); Docker sends all ~65 with zero values (security options, Dns, ShmSize, blkio devices, ...)';
const SHM_SIZE = 'Docker reports its default /dev/shm size (67108864); ours leaves ShmSize out';
const POOL_LABEL = 'ours adds the routing label com.sockerless.pool=default to every container, so it shows in Config.Labels, in lists and in event attributes; Docker shows only the labels the client set';
const EMPTY_EXPOSED_PORTS = 'ours sends Config.ExposedPorts {} for a container that exposes nothing; Docker leaves it out';
const EMPTY_PORT_BINDINGS = 'HostConfig.PortBindings without bindings: Docker null, ours {}';
const RESTART_NAME_EMPTY = 'without a restart policy dockerd 20.10 keeps RestartPolicy.Name ""; ours fills in "no"';
const ADDRESS_AT_CREATE = 'ours allocates the endpoint (NetworkID, IP, gateway, MAC) at create, and at connect of a created container; Docker allocates at start and shows empty values before';
const ADDRESS_KEPT_AFTER_EXIT = 'after exit Docker releases the endpoint and shows empty IPAddress, Gateway, MacAddress and prefix 0; ours keeps showing the address';
const BRIDGE_SUBNET = 'deliberate: our default bridge takes a per-daemon 10.x.0.0/24 subnet so it never collides with a host docker0 or another daemon; Docker\'s is 172.17.0.0/16, so addresses, prefix length and MACs (derived from the IP) differ';
const REFUSED_AT_CREATE = 'deliberate: refused at create with 400, as newer dockerd releases do; dockerd 20.10 creates the container and fails only at start';
const CLIENT_ERROR_NOT_500 = 'deliberate: the client\'s mistake is a 400; dockerd 20.10 answers 500 with the same message';
const SHORT_ID_ALIAS = 'Docker adds the container\'s short id to its Aliases on a user-defined network (also on connect); ours does not';
const ENV_ORDER = 'Env order: Docker keeps the client\'s variables first and appends the image\'s that were not overridden; ours keeps the image\'s order (PATH first)';
const TMPFS_IN_MOUNTS = 'ours lists HostConfig.Tmpfs entries in Mounts (Type tmpfs); Docker lists only Binds and HostConfig.Mounts there';
const IPV6_PUBLISH = 'Docker publishes a port without HostIp on both 0.0.0.0 and :: (two entries in Ports); ours listens on 0.0.0.0 only';
const JSON_DECODE_500 = 'dockerd 20.10 answers 500 with the Go decoder\'s text for a body it cannot decode; ours answers 400 (the right class) with its own text';
const FILTER_DECODE_500 = 'dockerd 20.10 answers 500 for filters it cannot decode or parse; ours 400 (the right class) with its own text';
const FILTER_CASE = 'dockerd 20.10 capitalises "Invalid filter \'colour\'"; ours says "invalid filter \'colour\'" (both 400)';
const FIXED_IP_OUTSIDE_RANGE = 'an IPv4Address inside the Subnet but outside the IPRange: Docker accepts it (IPRange only bounds automatic allocation); ours refuses it with 400 "no configured subnet or ip-range contain the IP address"';
const VOLUME_EMPTY_MAPS = 'volume Labels/Options when none were given: Docker null, ours {}';
const PRUNE_NAMED = 'under API 1.41 volume prune removes every unused local volume, named ones too (the `all` filter came in 1.42); ours removes only anonymous ones whatever the version';
const LOCAL_DRIVER_OPTIONS = 'deliberate for now: our volumes are plain directories, so local driver options (type/device/o) answer 501; Docker records them and mounts at use';
const SOCKERLESS_FIELD = 'deliberate: ours adds a top-level `Sockerless: { Backend, Pool }` to container inspect, naming the backend instance (local, ecs, lambda...) and pool that ran it; clients ignore fields they do not know';
const VOLUME_MOUNT_EVENTS = 'Docker emits volume mount and unmount events when a container using a volume starts and stops; ours emits none';

/** Known differences, each with the reason it is accepted for now (or why it is deliberate). */
export const EXPECTED_DIFFERENCES: Record<string, string> = {
  'details: legacy links › inspect unlinked › HostConfig.Links':
    NULL_ABSENT + ' (the v1.56 spec types HostConfig.Links as an array, never null)',
  'details: legacy links › remove link by default name › status':
    'deliberate: dockerd 20.10 answers 500 for this conflict; ours 409, the class its own message ("Conflict, ...") names',
  'create: minimal, then start and exit › inspect created › (top level) (keys)':
    SOCKERLESS_FIELD,
  'create: running container on the default bridge › inspect running › (top level) (keys)':
    SOCKERLESS_FIELD,
  'create: minimal, then start and exit › inspect created › Config (keys)':
    CONFIG_KEYS,
  'create: minimal, then start and exit › inspect created › HostConfig (keys)':
    HOSTCONFIG_KEYS,
  'create: minimal, then start and exit › inspect created › Config.Entrypoint':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › Config.Labels':
    POOL_LABEL,
  'create: minimal, then start and exit › inspect created › Config.ExposedPorts':
    EMPTY_EXPOSED_PORTS,
  'create: minimal, then start and exit › inspect created › Config.Volumes':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › Config.OnBuild':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.RestartPolicy':
    RESTART_NAME_EMPTY,
  'create: minimal, then start and exit › inspect created › HostConfig.Binds':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.PortBindings':
    EMPTY_PORT_BINDINGS,
  'create: minimal, then start and exit › inspect created › HostConfig.PublishAllPorts':
    FALSE_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.Privileged':
    FALSE_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.Dns':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.ExtraHosts':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.CapAdd':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect created › HostConfig.ShmSize':
    SHM_SIZE,
  'create: minimal, then start and exit › inspect created › NetworkSettings.IPAddress':
    ADDRESS_AT_CREATE,
  'create: minimal, then start and exit › inspect created › NetworkSettings.Gateway':
    ADDRESS_AT_CREATE,
  'create: minimal, then start and exit › inspect created › NetworkSettings.MacAddress':
    ADDRESS_AT_CREATE,
  'create: minimal, then start and exit › inspect created › NetworkSettings.IPPrefixLen':
    ADDRESS_AT_CREATE,
  'create: minimal, then start and exit › wait r › Error':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect exited › NetworkSettings.Networks.bridge.Aliases (normalised)':
    NULL_ABSENT,
  'create: minimal, then start and exit › inspect exited › NetworkSettings.Networks.bridge.IPAddress':
    ADDRESS_KEPT_AFTER_EXIT,
  'create: minimal, then start and exit › inspect exited › NetworkSettings.Networks.bridge.IPPrefixLen':
    ADDRESS_KEPT_AFTER_EXIT,
  'create: minimal, then start and exit › inspect exited › NetworkSettings.Networks.bridge.Gateway':
    ADDRESS_KEPT_AFTER_EXIT,
  'create: minimal, then start and exit › inspect exited › NetworkSettings.Networks.bridge.MacAddress':
    ADDRESS_KEPT_AFTER_EXIT,
  'create: running container on the default bridge › inspect running › NetworkSettings.IPAddress':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Gateway':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.MacAddress':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.IPPrefixLen':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.Aliases (normalised)':
    NULL_ABSENT,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.IPAddress':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.IPPrefixLen':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.Gateway':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.MacAddress':
    BRIDGE_SUBNET,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.IPAMConfig':
    NULL_ABSENT,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.Links':
    NULL_ABSENT,
  'create: running container on the default bridge › inspect running › NetworkSettings.Networks.bridge.DriverOpts':
    NULL_ABSENT,
  'create: running container on the default bridge › bridge network › Containers (normalised)':
    BRIDGE_SUBNET,
  'create: Env, Cmd, Entrypoint, WorkingDir, User, Labels › inspect › Config.Env':
    ENV_ORDER,
  'create: Env, Cmd, Entrypoint, WorkingDir, User, Labels › inspect › Config.Labels':
    POOL_LABEL,
  'create: Env, Cmd, Entrypoint, WorkingDir, User, Labels › inspect entrypoint only › Config.Cmd':
    NULL_ABSENT,
  'create: Binds, Mounts, Tmpfs › inspect created › Mounts (keys)':
    TMPFS_IN_MOUNTS,
  'create: Binds, Mounts, Tmpfs › inspect created › Mounts.Destination=/run/t':
    TMPFS_IN_MOUNTS,
  'create: anonymous volume from Config.Volumes › inspect › HostConfig.Binds':
    NULL_ABSENT,
  'create: ExposedPorts and PortBindings › inspect created › HostConfig.PublishAllPorts':
    FALSE_ABSENT,
  'create: ExposedPorts and PortBindings › inspect running › NetworkSettings.Ports.80/tcp.*.HostIp (sorted)':
    IPV6_PUBLISH,
  'create: ExposedPorts and PortBindings › list › 0.Ports.*.PrivatePort (sorted)':
    IPV6_PUBLISH,
  'create: ExposedPorts and PortBindings › list › 0.Ports.*.Type (sorted)':
    IPV6_PUBLISH,
  'create: ExposedPorts and PortBindings › list › 0.Ports (keys)':
    IPV6_PUBLISH,
  'create: ExposedPorts and PortBindings › inspect publish all › NetworkSettings.Ports.8080/tcp.*.HostIp (sorted)':
    IPV6_PUBLISH,
  'create: NetworkingConfig aliases on a user network › inspect created › NetworkSettings.Networks.diff-alias-net.NetworkID (normalised)':
    ADDRESS_AT_CREATE,
  'create: NetworkingConfig aliases on a user network › inspect created › NetworkSettings.Networks.diff-alias-net.IPAddress':
    ADDRESS_AT_CREATE,
  'create: NetworkingConfig aliases on a user network › inspect created › NetworkSettings.Networks.diff-alias-net.IPPrefixLen':
    ADDRESS_AT_CREATE,
  'create: NetworkingConfig aliases on a user network › inspect created › NetworkSettings.Networks.diff-alias-net.Gateway':
    ADDRESS_AT_CREATE,
  'create: NetworkingConfig aliases on a user network › inspect created › NetworkSettings.Networks.diff-alias-net.MacAddress':
    ADDRESS_AT_CREATE,
  'create: NetworkingConfig aliases on a user network › inspect running › NetworkSettings.Networks.diff-alias-net.Aliases (normalised)':
    SHORT_ID_ALIAS,
  'create: NetworkingConfig aliases on a user network › inspect running › NetworkSettings.Networks.diff-alias-net.IPAMConfig':
    NULL_ABSENT,
  'create: NetworkingConfig aliases on a user network › inspect running › NetworkSettings.Networks.diff-alias-net.Links':
    NULL_ABSENT,
  'create: NetworkingConfig aliases on a user network › inspect running › NetworkSettings.Networks.diff-alias-net.DriverOpts':
    NULL_ABSENT,
  'create: NetworkingConfig aliases on a user network › stdout of peer › text':
    'deliberate: peers are resolved through /etc/hosts (the container name is written there), Docker resolves them with its embedded DNS server and writes no peer lines; `grep -c` counts 1 vs 0, the alias resolves on both',
  'create invalid: image and body › bad JSON › status':
    JSON_DECODE_500,
  'create invalid: image and body › empty body › status':
    JSON_DECODE_500,
  'create invalid: image and body › no image › status':
    'dockerd 20.10 creates a container without an image (201; it fails only at start); ours refuses it at create with 400, though with the message meant for an empty body ("Config cannot be empty ...")',
  'create invalid: image and body › Env not a list › status':
    JSON_DECODE_500,
  'create invalid: image and body › Labels not a map › status':
    JSON_DECODE_500,
  'create invalid: image and body › Memory not a number › status':
    'ours does not type-check HostConfig.Memory and accepts a string (201); Docker refuses it (500 from its JSON decoder; 400 would be right for us)',
  'create invalid: image and body › bind without target › status':
    'dockerd 20.10 answers 500 for an invalid bind (ours 400, the right class) and adds the detail ": invalid mount config for type \"volume\": invalid mount path: ... must be absolute"',
  'create invalid: image and body › mount without target › message':
    'message text: Docker says `invalid mount config for type "volume": field Target must not be empty`, ours `invalid mount config: mount path must be absolute`',
  'create invalid: image and body › unknown network mode › status':
    'dockerd 20.10 accepts an unknown network at create (201) and fails at start; ours checks at create (404 network ... not found)',
  'errors: 404 for unknown objects › inspect image › message':
    'dockerd 20.10 repeats itself: "no such image: X: No such image: X"; ours says "No such image: X" once',
  'errors: 409 conflicts and 304s on a running container › rename to a used name › message (normalised)':
    'Docker prefixes the conflict with "Error when allocating new name: "; ours does not',
  'errors: 409 conflicts and 304s on a running container › wait bad condition › status':
    'dockerd 20.10 ignores an unknown wait condition (treats it as not-running: 200 at once on an exited container, blocks on a running one); ours answers 400 invalid condition',
  'errors: exec lifecycle › exec created › ExitCode':
    'before an exec has run Docker reports ExitCode null; ours reports 0',
  'errors: exec lifecycle › exec created › ProcessConfig':
    'ours adds `user: ""` to ProcessConfig; Docker omits an empty user',
  'errors: exec lifecycle › exec start again › message (normalised)':
    '409 on both; Docker says "Error: Exec command <id> has already run", ours "Exec <id> has already been started"',
  'filters: containers › name regexp › *.Names (sorted)':
    'Docker matches the `name` filter as a regular expression (`^/diff-f[12]$` finds two); ours matches substrings only and finds none',
  'filters: containers › one running container › 0 (keys)':
    'ours adds a `Health` key to every container summary (newer API versions have it); dockerd 20.10 (API 1.41) has none',
  'df: images, containers, volumes › df › Containers.0 (keys)':
    'ours adds a `Health` key to every container summary (newer API versions have it); dockerd 20.10 (API 1.41) has none',
  'df: images, containers, volumes › df › BuildCache':
    'no build cache: dockerd sends null (a nil Go slice), ours [] (the v1.56 spec types BuildCache as an array)',
  'registry: login and the locked registry › login wrong password › status':
    'deliberate: a failed login is a 401, as dockerd 23 and later answer (errdefs.Unauthorized); dockerd 20.10 answered 500 with the same message',
  'filters: containers › one running container › 0.Labels':
    POOL_LABEL,
  'filters: containers › malformed JSON › status':
    FILTER_DECODE_500,
  'filters: containers › not an object › status':
    FILTER_DECODE_500,
  'filters: containers › unknown filter › message':
    FILTER_CASE,
  'filters: containers › bad exited › status':
    FILTER_DECODE_500,
  'filters: networks › malformed JSON › status':
    FILTER_DECODE_500,
  'filters: networks › unknown filter › message':
    FILTER_CASE,
  'filters: networks › bad type › status':
    'same message; dockerd 20.10 answers 500 for an invalid network type filter, ours 400',
  'filters: volumes › malformed JSON › message':
    '400 on both; Docker says "error reading volume filters: unexpected end of JSON input", ours "invalid filter: <the text>"',
  'filters: volumes › unknown filter › message':
    FILTER_CASE,
  'filters: volumes › bad dangling › message':
    'Docker prints the values as a list: "Invalid filter \'dangling=[maybe]\'"; ours "invalid filter \'dangling=maybe\'"',
  'filters: images › malformed JSON › status':
    FILTER_DECODE_500,
  'filters: images › unknown filter › message':
    FILTER_CASE,
  'filters: images › bad dangling › message':
    'Docker prints the values as a list: "Invalid filter \'dangling=[maybe]\'"; ours "invalid filter \'dangling=maybe\'"',
  'filters: images › inspect busybox › Config.Entrypoint':
    NULL_ABSENT,
  'networks: predefined › bridge › IPAM.Config':
    `${BRIDGE_SUBNET}; Docker lists only the Subnet of the default bridge, ours the Gateway too`,
  'networks: create with IPAM › inspect › (top level) (keys)':
    'ours adds EnableIPv4 (API 1.47+) to every network whatever the API version; dockerd 20.10 has no such field',
  'networks: create with IPAM › inspect › IPAM.Options':
    'IPAM.Options: Docker null, ours {}',
  'networks: create with IPAM › container on it › NetworkSettings.Networks.diff-ipam.Aliases (normalised)':
    SHORT_ID_ALIAS,
  'networks: create with IPAM › fixed ip › status':
    FIXED_IP_OUTSIDE_RANGE,
  'networks: create with IPAM › start fixed ip › status':
    FIXED_IP_OUTSIDE_RANGE,
  'networks: create with IPAM › container with a fixed ip › status':
    FIXED_IP_OUTSIDE_RANGE,
  'networks: create with IPAM › network with containers › Containers (normalised)':
    FIXED_IP_OUTSIDE_RANGE,
  'networks: invalid creates › invalid subnet › status':
    'dockerd 20.10 answers 500 for an invalid subnet ("Invalid subnet notasubnet : invalid CIDR address"); ours 400 with its own text',
  'networks: invalid creates › gateway outside subnet › status':
    'dockerd 20.10 answers 500 ("failed to allocate gateway (...): Requested address is out of range"); ours 400 with its own text',
  'networks: invalid creates › ip range outside subnet › status':
    'dockerd 20.10 accepts an IPRange outside the Subnet (201); ours refuses it with 400',
  'networks: invalid creates › no name › status':
    'dockerd 20.10 answers an empty Name with 409 "network with name already exists" (a quirk); ours 400 invalid name',
  'networks: invalid creates › malformed body › message':
    '400 on both; the JSON parser error texts differ (Go vs JavaScript)',
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.NetworkID (normalised)':
    ADDRESS_AT_CREATE,
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.Aliases (normalised)':
    SHORT_ID_ALIAS,
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.IPAddress':
    ADDRESS_AT_CREATE,
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.IPPrefixLen':
    ADDRESS_AT_CREATE,
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.Gateway':
    ADDRESS_AT_CREATE,
  'networks: connect and disconnect › created, connected › NetworkSettings.Networks.diff-conn.MacAddress':
    ADDRESS_AT_CREATE,
  'networks: connect and disconnect › started, connected › NetworkSettings.Networks.diff-conn.Aliases (normalised)':
    SHORT_ID_ALIAS,
  'networks: connect and disconnect › connect to host › message (normalised)':
    '403 on both; Docker says "container cannot be disconnected from host network or connected to host network", ours a different sentence',
  'volumes: create, inspect, remove, prune › named › Options':
    VOLUME_EMPTY_MAPS,
  'volumes: create, inspect, remove, prune › inspect › Options':
    VOLUME_EMPTY_MAPS,
  'volumes: create, inspect, remove, prune › no labels › Labels':
    VOLUME_EMPTY_MAPS,
  'volumes: create, inspect, remove, prune › no labels › Options':
    VOLUME_EMPTY_MAPS,
  'volumes: create, inspect, remove, prune › anonymous › Labels':
    'ours labels anonymous volumes com.docker.volume.anonymous (as Docker 23+ does); dockerd 20.10 gives them no labels',
  'volumes: create, inspect, remove, prune › list › Warnings':
    'GET /volumes Warnings: Docker null, ours []',
  'volumes: create, inspect, remove, prune › prune › VolumesDeleted (normalised-sorted)':
    PRUNE_NAMED,
  'volumes: create, inspect, remove, prune › list after prune › Volumes.*.Name (sorted)':
    PRUNE_NAMED,
  'volumes: local driver options › with options › status':
    LOCAL_DRIVER_OPTIONS,
  'volumes: local driver options › inspect › status':
    LOCAL_DRIVER_OPTIONS,
  'events: docker run on a user network with a named volume › events › events':
    VOLUME_MOUNT_EVENTS,
  'events: docker run on a user network with a named volume › volume events only › events':
    VOLUME_MOUNT_EVENTS,
  'events: networks and volumes through the API › events › events':
    'Docker emits `network disconnect` when a created (never started) container is disconnected from a user network (and no `network connect` when it was connected); ours emits neither',
  'events: fields of a die event › die event › Actor.Attributes':
    POOL_LABEL,
  'create invalid: ports › exposed port not a number › status': REFUSED_AT_CREATE,
  'create invalid: ports › host ip not an address › status': REFUSED_AT_CREATE,
  'client errors: create validation › exposed port out of range › status': REFUSED_AT_CREATE,
  'client errors: create validation › host ip not an address › status': REFUSED_AT_CREATE,
  'client errors: create validation › ulimit soft above hard › status': REFUSED_AT_CREATE,
  'client errors: create validation › bind on / › status': CLIENT_ERROR_NOT_500,
  'client errors: bodies, names and filters › volume name too long › status':
    `${CLIENT_ERROR_NOT_500}; ours also keeps the host path out of the message (dockerd shows its data-root)`,
  'build: classic builder › inspect built › Config.Entrypoint':
    'an image config dockerd\'s builder wrote carries "Entrypoint": null; ours leaves the unset field out of the config, as image inspect shows every image',
  'build: classic builder › missing Dockerfile › status': CLIENT_ERROR_NOT_500,
  'build: classic builder › history › *.Tags':
    'a history row of an untagged image: dockerd sends Tags null, ours [] (the v1.56 spec types HistoryResponseItem.Tags as a non-null array); the ids and tags along the parent chain agree',
};
