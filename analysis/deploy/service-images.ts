/**
 * Images of programs that run no project Python: a Dockerfile that builds on `nginx`, `postgres` or `redis` and sets no
 * command of its own runs the base image's server (a proxy with the project's config copied in, a database with an
 * init script). Such a deploy starts nothing of the project's code, so it does not hide a process from the reach.
 */
import { finalStageCommands } from './dockerfile-stages';
import type { Workspace } from './deploy-files';

/** Official images (and their usual namespaced forks) of proxies, databases, caches, brokers and certificate bots. */
const SERVICE_IMAGE = /^(?:docker\.io\/)?(?:library\/)?(?:nginx|nginxinc\/[\w-]+|bitnami\/nginx|httpd|caddy|traefik|haproxy|envoyproxy\/envoy|postgres|postgis\/postgis|mysql|mariadb|mongo|redis|redis\/redis-stack-server|memcached|rabbitmq|certbot\/certbot|elasticsearch|minio\/minio)$/;

/** The Dockerfile's final stage builds on a service image and adds no start command (its CMD is the image's). */
export function runsServiceImage(ws: Workspace, file: string): boolean {
  const dockerfile = ws.dockerfile(file);
  if (!dockerfile || finalStageCommands(ws, file).length > 0) return false;
  const froms = dockerfile.getFROMs();
  // Follow `FROM builder` back to the stage it names: the image the final stage runs is its chain's root.
  let i = froms.length - 1;
  for (let hops = 0; i >= 0 && hops < froms.length; hops++) {
    const image = froms[i].getImageName()?.toLowerCase();
    const before = froms.slice(0, i).map((f) => f.getBuildStage()?.toLowerCase()).lastIndexOf(image);
    if (before < 0) break;
    i = before;
  }
  const image = i >= 0 ? froms[i].getImageName()?.toLowerCase() : undefined;
  return image !== undefined && SERVICE_IMAGE.test(image);
}
