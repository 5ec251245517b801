using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Cli.Infrastructure;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Topology;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines graph encode --data &lt;TU folder | SMILES csv&gt; --pe &lt;lap|rwse|spe&gt; [--model model.onnx] --out enc.csv</c>:
/// writes one row per node (<c>graph,node,pe_0,…</c>). SPE uses the φ/ρ of a model trained by <c>graph train</c>.
/// </summary>
internal static class GraphEncodeCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A TU data set folder or a SMILES CSV file.", Required = true };
        var smiles = new Option<string?>("--smiles-column") { Description = "SMILES column (default: first column whose name contains 'smiles')." };
        var pe = new Option<GraphEncodingKind>("--pe") { Description = "Encoding: lap, rwse or spe.", DefaultValueFactory = _ => GraphEncoding.Defaults.Precomputed };
        var k = new Option<int>("--k") { Description = "Eigenpairs (LapPE) or steps (RWSE); SPE takes K from --model.", DefaultValueFactory = _ => GraphEncoding.Defaults.K };
        var model = new Option<string?>("--model") { Description = "A graph model trained with --pe spe (its φ and ρ are used)." };
        var spectrum = new Option<SpectrumTruncation?>("--spectrum") { Description = $"Eigenpairs kept by lap/spe: full, eigengap or fixed (min(n, k); may split an eigenspace). Default: {SpectrumOptions.Defaults.Truncation.ToString().ToLowerInvariant()} for lap, the model's for spe." };
        var output = new Option<string>("--out") { Description = "Output CSV.", Required = true };
        var maxGops = new Option<double>("--max-gops") { Description = "Work budget per graph in billions of multiply-adds (pre-flight refusal with the estimate).", DefaultValueFactory = _ => EncodingBudget.Default.MaxOperations / 1e9 };
        var command = new Command("encode", "Compute LapPE, RWSE or (trained) SPE node encodings and write them as CSV.") { data, smiles, pe, k, model, spectrum, output, maxGops };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            var watch = Stopwatch.StartNew();
            GraphEncodingKind kind = parsed.GetValue(pe);
            if (kind == GraphEncodingKind.None)
            {
                throw new UsageException("--pe none has nothing to encode; choose lap, rwse or spe.");
            }

            string? modelPath = parsed.GetValue(model);
            if (kind == GraphEncodingKind.Spe && modelPath is null)
            {
                throw new UsageException("--pe spe needs --model: a model trained by 'pipelines graph train --pe spe' (φ and ρ are learned).");
            }

            double gops = parsed.GetValue(maxGops);
            if (!(gops > 0))
            {
                throw new UsageException($"--max-gops must be positive, got {gops}.");
            }

            var budget = new EncodingBudget(gops * 1e9);
            string dataPath = parsed.GetValue(data)!;
            GraphCommand.CheckDataPath(dataPath);
            IReadOnlyList<Graph> graphs = GraphDataset.Load(dataPath, smilesColumn: parsed.GetValue(smiles)).Graphs;
            NodeEncodingTable table;
            if (kind == GraphEncodingKind.Spe)
            {
                GraphModel trained = GraphModel.Load(modelPath!);
                if (trained.Definition.Encoding is not SpeEncoding spe || trained.Spe is null)
                {
                    throw new UsageException($"--model '{modelPath}' was trained with PE '{trained.Definition.Encoding.Name}', not spe.");
                }

                if (parsed.GetValue(spectrum) is { } chosen)
                {
                    spe = spe with { Spectrum = spe.SpectrumOptions with { Truncation = chosen } };
                }

                table = GraphNodeEncodings.Compute(graphs, spe, trained.Spe, console.Cancellation);
            }
            else
            {
                table = GraphNodeEncodings.Compute(graphs, GraphEncoding.Create(kind, parsed.GetValue(k), seed: 0, parsed.GetValue(spectrum) ?? SpectrumOptions.Defaults.Truncation), budget, console.Json ? null : new Progress(console), console.Cancellation);
                if (!console.Json)
                {
                    console.StdErr.WriteLine();
                }
            }

            if (table.Cut is { Graphs: > 0 } cut)
            {
                console.Warn($"spectrum: {cut}");
            }

            IReadOnlyList<double[]> rows = table.Rows;
            int width = table.Width;
            string outPath = parsed.GetValue(output)!;
            var sb = new StringBuilder();
            sb.Append("graph,node");
            for (int c = 0; c < width; c++)
            {
                sb.Append(CultureInfo.InvariantCulture, $",pe_{c}");
            }

            sb.Append('\n');
            long nodes = 0;
            for (int g = 0; g < graphs.Count; g++)
            {
                for (int i = 0; i < graphs[g].NodeCount; i++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{g},{i}");
                    for (int c = 0; c < width; c++)
                    {
                        sb.Append(',').Append(rows[g][(i * width) + c].ToString("G7", CultureInfo.InvariantCulture));
                    }

                    sb.Append('\n');
                    nodes++;
                }
            }

            AtomicFile.WriteAllText(outPath, sb.ToString());
            console.Human.MarkupLine($"{graphs.Count} graphs, {nodes} nodes, {width} columns of {kind.ToString().ToLowerInvariant()} in {watch.Elapsed.TotalSeconds:F1} s → {Markup.Escape(outPath)}");
            console.WriteJson(new { Graphs = graphs.Count, Nodes = nodes, Width = width, Pe = kind.ToString().ToLowerInvariant(), Output = Path.GetFullPath(outPath), Seconds = watch.Elapsed.TotalSeconds });
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>"encoded 120/4110 graphs" on one stderr line, at most every 1% and on the last graph.</summary>
    private sealed class Progress(CliConsole console) : IProgress<FeaturizationProgress>
    {
        public void Report(FeaturizationProgress value)
        {
            if (value.Done == value.Total || value.Done % Math.Max(1, value.Total / 100) == 0)
            {
                console.StdErr.Write($"\rencoded {value.Done}/{value.Total} graphs");
            }
        }
    }
}
