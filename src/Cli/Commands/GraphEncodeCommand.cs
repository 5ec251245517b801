using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Cli.Infrastructure;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;
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
        var pe = new Option<PeKind>("--pe") { Description = "Encoding: lap, rwse or spe.", DefaultValueFactory = _ => PeKind.Lap };
        var k = new Option<int>("--k") { Description = "Eigenpairs (LapPE) or steps (RWSE); SPE takes K from --model.", DefaultValueFactory = _ => 16 };
        var model = new Option<string?>("--model") { Description = "A graph model trained with --pe spe (its φ and ρ are used)." };
        var output = new Option<string>("--out") { Description = "Output CSV.", Required = true };
        var command = new Command("encode", "Compute LapPE, RWSE or (trained) SPE node encodings and write them as CSV.") { data, smiles, pe, k, model, output };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            var watch = Stopwatch.StartNew();
            PeKind kind = parsed.GetValue(pe);
            if (kind == PeKind.None)
            {
                throw new UsageException("--pe none has nothing to encode; choose lap, rwse or spe.");
            }

            string? modelPath = parsed.GetValue(model);
            if (kind == PeKind.Spe && modelPath is null)
            {
                throw new UsageException("--pe spe needs --model: a model trained by 'pipelines graph train --pe spe' (φ and ρ are learned).");
            }

            string dataPath = parsed.GetValue(data)!;
            IReadOnlyList<Graph> graphs = Directory.Exists(dataPath)
                ? TuDatasetReader.Read(dataPath).Graphs
                : File.Exists(dataPath)
                    ? SmilesGraphs(dataPath, parsed.GetValue(smiles))
                    : throw new UsageException($"--data '{dataPath}' is neither a TU folder nor a CSV file.");
            double[][] rows;
            int width;
            if (kind == PeKind.Spe)
            {
                GraphModel trained = GraphModel.Load(modelPath!);
                if (trained.Definition.Encoding is not SpeEncoding spe || trained.Spe is null)
                {
                    throw new UsageException($"--model '{modelPath}' was trained with PE '{trained.Definition.Encoding.Name}', not spe.");
                }

                var structures = graphs.Select(g => g.ToStructure()).ToList();
                Spectrum[] spectra = LaplacianSpectrum.ComputeMany(structures, spe.SpectrumOptions);
                using var encoder = new SpeEncoder(trained.Spe, TensorElementType.Float);
                rows = encoder.Encode(structures, spectra, spe.K);
                width = spe.SpeOptions.OutputSize;
            }
            else
            {
                GraphEncoding enc = GraphCommand.Encoding(kind, parsed.GetValue(k), 1);
                PrecomputedEncoding[] pre = PrecomputedEncoding.ComputeMany(graphs, enc);
                rows = pre.Select(p => p.Fixed!.Select(x => (double)x).ToArray()).ToArray();
                width = enc.Width;
            }

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

    private static List<Graph> SmilesGraphs(string path, string? column)
    {
        IReadOnlyList<SmilesRecord> rows = SmilesCsvReader.Read(path, column);
        var vocab = AtomTypeVocabulary.Build(rows.Select(r => r.Molecule));
        return rows.Select(r => vocab.ToGraph(r.Molecule, id: $"{Path.GetFileName(path)}:{r.Line}")).ToList();
    }
}
