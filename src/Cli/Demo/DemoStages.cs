namespace Pipelines.Cli.Demo;

/// <summary>The stages of <c>pipelines demo</c>, in order. Each component adds one line.</summary>
internal static class DemoStages
{
    public static IReadOnlyList<IDemoStage> All { get; } =
    [
        new OnnxDemoStage(),
        new LoraDemoStage(),
        new FineTuneDemoStage(),
        new TopologyDemoStage(),
        new ExportDemoStage(),
        new SpeDemoStage(),
    ];
}
