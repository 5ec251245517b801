using System.CommandLine;
using System.Diagnostics;
using Pipelines.Cli.Demo;
using Pipelines.Cli.Infrastructure;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines demo</c>: runs every component's demo stage on embedded defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var stage = new Option<string[]>("--stage") { Description = "Run only these stages (repeatable): " + string.Join(", ", DemoStages.All.Select(s => s.Name)), AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the artifacts the stages write (default: a new temporary folder)." };
        var seed = new Option<int>("--seed") { Description = "Seed for every random choice.", DefaultValueFactory = _ => 42 };
        var command = new Command("demo", "Run each component's demo stage on embedded defaults (needs nothing from outside the build).")
        {
            stage,
            output,
            seed,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            string[] only = parsed.GetValue(stage) ?? [];
            var unknown = only.Where(n => DemoStages.All.All(s => s.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                throw new UsageException($"unknown demo stage(s) {string.Join(", ", unknown)}; known: {string.Join(", ", DemoStages.All.Select(s => s.Name))}.");
            }

            string dir = parsed.GetValue(output)?.FullName ?? Path.Combine(Path.GetTempPath(), "pipelines-demo-" + Environment.ProcessId);
            Directory.CreateDirectory(dir);
            var results = new List<object>();
            foreach (IDemoStage s in DemoStages.All.Where(s => only.Length == 0 || only.Contains(s.Name)))
            {
                console.Cancellation.ThrowIfCancellationRequested();
                console.Human.Write(new Rule($"[bold]demo: {s.Name}[/] — {Markup.Escape(s.Description)}").LeftJustified());
                var watch = Stopwatch.StartNew();
                object summary = s.Run(new DemoContext(console, dir, parsed.GetValue(seed)));
                console.Human.MarkupLine($"[green]✓[/] {s.Name} in {watch.Elapsed.TotalSeconds:F1} s");
                results.Add(new { Stage = s.Name, Seconds = watch.Elapsed.TotalSeconds, Summary = summary });
            }

            console.Human.MarkupLine($"artifacts in {Markup.Escape(dir)}");
            console.WriteJson(new { OutputDirectory = dir, Stages = results });
            return CommandRunner.Ok;
        });
        return command;
    }
}
