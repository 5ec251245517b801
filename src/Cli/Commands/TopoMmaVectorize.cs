using System.Diagnostics;
using System.Globalization;
using Pipelines.Cli.Infrastructure;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Cli.Commands;

/// <summary>
/// The MMA branch of <c>pipelines topo vectorize</c>: <c>--invariant mma</c> or <c>--vectorizer mma-image|mma-landscape</c>
/// (module approximation with precision <c>--precision</c>, kernel image or landscapes per degree).
/// </summary>
internal static class TopoMmaVectorize
{
    /// <summary>The --vectorizer names of the MMA vectorizations.</summary>
    public const string ImageName = "mma-image";

    /// <summary>The --vectorizer name of MMA landscapes.</summary>
    public const string LandscapeName = "mma-landscape";

    /// <summary>Whether the invariant/vectorizer pair asks for MMA; a conflicting pair is bad usage.</summary>
    public static bool Selected(string invariant, string vectorizer)
    {
        bool mmaInvariant = string.Equals(invariant, "mma", StringComparison.OrdinalIgnoreCase);
        bool mmaVectorizer = vectorizer is ImageName or LandscapeName;
        if (mmaInvariant && vectorizer is not (ImageName or LandscapeName or "conv"))
        {
            throw new UsageException($"--invariant mma goes with --vectorizer {ImageName} or {LandscapeName}, got '{vectorizer}'.");
        }

        if (mmaVectorizer && !mmaInvariant && !string.Equals(invariant, "hilbert", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--vectorizer {vectorizer} vectorizes MMA decompositions; it does not go with --invariant {invariant}.");
        }

        return mmaInvariant || mmaVectorizer;
    }

    /// <summary>Fits MMA on <paramref name="data"/>, writes the features CSV (label, f0, …) and optionally the transformer.</summary>
    public static int Run(CliConsole console, TopologyDataset data, BifiltrationPreset preset, TopologyInput? seriesInput, string vectorizer, int resolution, float? threshold, float precision, long maxBytes, FileInfo output, FileInfo? save)
    {
        if (!(precision > 0f && precision <= 1f))
        {
            throw new UsageException($"--precision must be in (0, 1] (unit-square units), got {precision.ToString(CultureInfo.InvariantCulture)}.");
        }

        SignedMeasureOptions bifiltration = preset.CreateOptions(data);
        var options = new MmaOptions
        {
            OutputColumnName = bifiltration.OutputColumnName,
            Input = seriesInput ?? bifiltration.Input,
            Codensity = bifiltration.Codensity,
            CodensityParameter = bifiltration.CodensityParameter,
            Threshold = threshold,
            Precision = precision,
            Vectorizer = vectorizer == LandscapeName ? MmaVectorizer.Landscape : MmaVectorizer.Image,
            Resolution = SignedMeasureOptions.Defaults.OutputResolutionFor(resolution),
            Budget = ComplexBudget.Default with { MaxBytes = maxBytes },
        };
        var watch = Stopwatch.StartNew();
        MmaTransformer transformer = MmaTransformer.Fit(options, data.Rows);
        float[][] features = transformer.FeaturizeMany(data.Rows, console.Json ? null : new FeatureCsv.Progress(console), console.Cancellation);
        if (!console.Json)
        {
            console.StdErr.WriteLine();
        }

        FeatureCsv.Write(output.FullName, "label", [.. data.Rows.Select(r => r.Label)], features, options.OutputLength);
        if (save is not null)
        {
            transformer.Save(save.FullName);
        }

        double seconds = watch.Elapsed.TotalSeconds;
        if (!console.Json)
        {
            console.StdOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.Rows.Count} rows → {options.OutputLength} MMA features each (δ = {precision}), {seconds:F2} s → {output.FullName}"));
        }

        console.WriteJson(new { Rows = data.Rows.Count, Features = options.OutputLength, Seconds = seconds, Output = output.FullName, Invariant = "mma", Precision = precision });
        return CommandRunner.Ok;
    }
}
