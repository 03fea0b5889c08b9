// The few parts of npm's own untyped libraries that the resolvers use.
declare module '@npmcli/arborist' {
  interface ArboristNode {
    location: string;
    packageName: string;
    version: string;
    integrity: string | null;
    resolved: string | null;
    isProjectRoot: boolean;
    isLink: boolean;
    inBundle: boolean;
  }
  interface ArboristTree extends ArboristNode {
    inventory: Map<string, ArboristNode>;
  }
  class Arborist {
    constructor(options: Record<string, unknown>);
    buildIdealTree(options?: Record<string, unknown>): Promise<ArboristTree>;
  }
  export default Arborist;
}

declare module 'ini' {
  const ini: { parse(text: string): Record<string, unknown> };
  export default ini;
}
