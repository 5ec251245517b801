using Pipelines.Cli.Infrastructure;

namespace Pipelines.Cli.Demo;

/// <summary>One stage of <c>pipelines demo</c>: runs a component end to end on embedded or generated defaults.</summary>
internal interface IDemoStage
{
    /// <summary>Short name, used by <c>--stage</c>.</summary>
    string Name { get; }

    /// <summary>One line saying what the stage shows.</summary>
    string Description { get; }

    /// <summary>Runs the stage and returns a JSON-serialisable summary; throws on failure.</summary>
    object Run(DemoContext context);
}

/// <summary>What a demo stage gets: the console, a scratch folder, a seed.</summary>
/// <param name="Console">Where to print.</param>
/// <param name="WorkDirectory">A folder for artifacts the stage writes.</param>
/// <param name="Seed">The seed for every random choice.</param>
internal sealed record DemoContext(CliConsole Console, string WorkDirectory, int Seed);
