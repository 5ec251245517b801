using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipelines.Cli.Infrastructure;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Transforms.LowRank;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines lora init --model m.onnx --method pissa-fast --rank 16 --out dir</c>: initialises adapters, writes
/// a model folder (<see cref="ModelFolder"/>): <c>dir/model.onnx</c> (adapted), the adapters and their config, the
/// base model's <c>vocab.txt</c> when it has one, and <c>pipelines.json</c>; prints the per-layer table and the measured
/// maximum output deviation of the adapted model versus the original.
/// </summary>
internal static class LoraInitCommand
{
    /// <summary>The <c>lora</c> command group: <c>init</c> (here) and <c>train</c> (<see cref="LoraTrainCommand"/>).</summary>
    public static Command Create()
    {
        var lora = new Command("lora", "LoRA adapters on ONNX models.");
        lora.Subcommands.Add(CreateInit());
        lora.Subcommands.Add(LoraTrainCommand.Create());
        return lora;
    }

    private static Command CreateInit()
    {
        var model = new Option<FileSystemInfo>("--model") { Description = "The base ONNX model, or a model folder (its vocab.txt travels with the adapters).", Required = true };
        var method = new Option<string>("--method") { Description = string.Join(" | ", LowRankMethods.Initializers.Select(LowRankMethods.Name)) + ".", DefaultValueFactory = _ => LowRankMethods.Name(LowRankOptions.Defaults.Method) };
        var rank = new Option<int>("--rank") { Description = "Rank r of every adapter.", DefaultValueFactory = _ => LowRankOptions.Defaults.Rank };
        var alpha = new Option<float?>("--alpha") { Description = "α (scale s = α/r, or α/√r with --rslora); default α = r." };
        var rsLora = new Option<bool>("--rslora") { Description = "rsLoRA scaling s = α/√r (peft's use_rslora)." };
        var dora = new Option<bool>("--dora") { Description = "DoRA (peft's use_dora): W' = m ⊙ (W + s·A·B) / ‖W + s·A·B‖_c with a trainable magnitude m per output unit; combines with every method.", DefaultValueFactory = _ => LowRankOptions.Defaults.Dora };
        var niter = new Option<int>("--niter") { Description = "Power iterations of pissa-fast.", DefaultValueFactory = _ => LowRankOptions.Defaults.PowerIterations };
        var oversample = new Option<int>("--oversample") { Description = "Oversampling p of pissa-fast: ℓ = r + p sketch columns (peft uses 0; the default 8 costs what any p from 1 to 8 does and is below torch.svd_lowrank's error).", DefaultValueFactory = _ => LowRankOptions.Defaults.Oversampling };
        var rangeFinder = new Option<string>("--range-finder")
        {
            Description = "Range finder of pissa-fast's randomized SVD: subspace (power iteration, torch.svd_lowrank's) or krylov (randomized block Krylov: every block kept, lower error at the same products; try --oversample 0 --niter 3 at small ranks).",
            DefaultValueFactory = _ => LowRankOptions.Defaults.RangeFinder == RangeFinder.BlockKrylov ? "krylov" : "subspace",
        };
        var tolerance = new Option<double?>("--tolerance") { Description = "Adaptive pissa-fast: stop power iterations once the residual improves by less than this fraction (at most --niter)." };
        var targets = new Option<string>("--targets")
        {
            Description = "all-linear (default), roles (e.g. q,v,ffn-in), layers:0,1, or regex:<pattern> over module/node/weight names; combine with ';'.",
            DefaultValueFactory = _ => "all-linear",
        };
        var loftqIter = new Option<int>("--loftq-iter") { Description = "LoftQ, and QPiSSA (pissa with --quantize-base): alternations T of int4 quantization (the export's block-wise quantizer) and rank-r SVD.", DefaultValueFactory = _ => LoftQOptions.Defaults.Iterations };
        var quantizeBase = new Option<string>("--quantize-base")
        {
            Description = "none | int4: keep the frozen base block-wise int4 (DequantizeLinear before each MatMul) for QLoRA (lora), QPiSSA (pissa) or LoftQ (loftq) training; adapters stay float.",
            DefaultValueFactory = _ => "none",
        };
        var calibration = new Option<FileInfo?>("--calibration") { Description = "EVA, CorDA: a text file, one calibration sentence per line (needs vocab.txt beside the model)." };
        var redistribute = new Option<double?>("--redistribute-ranks")
        {
            Description = $"ρ: move ranks between weights by the spectrum of W (EVA's redistribution: each target offers round(ρ·r) components, the Σr largest σᵢ²/‖W‖² win; {RankRedistribution.Defaults.Rho} is peft's ρ). Not with eva or orthogonal.",
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => 0UL };
        var baseUntouched = new Option<bool>("--base-untouched") { Description = "Keep W and carry the frozen −s·A₀·B₀ term instead of writing W_res." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true };
        var command = new Command("init", "Initialise LoRA adapters (PiSSA family, OLoRA, LoRA, orthogonal, EVA, CorDA, LoftQ) on an ONNX model and write the adapted model, adapters and config.")
        {
            model, method, rank, alpha, rsLora, dora, niter, oversample, rangeFinder, tolerance, loftqIter, quantizeBase, targets, calibration, redistribute, seed, baseUntouched, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            LowRankMethod m = LowRankMethods.Parse(parsed.GetValue(method)!, LowRankMethods.Initializers);
            var watch = Stopwatch.StartNew();
            string dir = parsed.GetValue(output)!.FullName;
            using FolderLock held = OutputFolder.Lock(console, dir, "lora init");
            ModelFolder source = ModelFolder.Open(parsed.GetValue(model)!.FullName);
            if (source.Manifest?.Adapters is { } existing)
            {
                throw new UsageException($"'{source.Directory}' already holds {existing.Method} adapters of rank {existing.Rank} ({ModelFolder.ManifestFileName}); initialise from the base model instead.");
            }

            OnnxModel original = OnnxModelIO.Load(source.ModelPath);
            string? vocab = source.VocabularyPath;
            EvaOptions? eva = null;
            CordaOptions? corda = null;
            if (m is LowRankMethod.Eva or LowRankMethod.CordaKpm or LowRankMethod.CordaIpm)
            {
                FileInfo? cal = parsed.GetValue(calibration);
                if (cal is null || vocab is null)
                {
                    throw new UsageException($"--method {LowRankMethods.Name(m)} needs --calibration <file> (one sentence per line) and vocab.txt beside the model.");
                }

                string[] lines = File.ReadAllLines(cal.FullName).Where(l => l.Trim().Length > 0).ToArray();
                WordPieceEncoder encoder = WordPieceEncoder.FromVocab(vocab, new WordPieceEncoderOptions { MaxLength = null });
                List<TensorBatch> batches = lines.Chunk(8).Select(c => SampleInputs.FromSentences(original, encoder, c)).ToList();
                eva = m == LowRankMethod.Eva ? new EvaOptions { Batches = batches } : null;
                corda = m == LowRankMethod.Eva ? null : new CordaOptions { Batches = batches };
            }

            bool quantized = parsed.GetValue(quantizeBase)!.Trim().ToLowerInvariant() switch
            {
                "none" => false,
                "int4" => true,
                string other => throw new UsageException($"--quantize-base '{other}' is not one of none, int4."),
            };
            var options = new LowRankOptions
            {
                Method = m,
                Rank = parsed.GetValue(rank),
                Alpha = parsed.GetValue(alpha),
                RsLora = parsed.GetValue(rsLora),
                Dora = parsed.GetValue(dora),
                PowerIterations = parsed.GetValue(niter),
                Oversampling = parsed.GetValue(oversample),
                RangeFinder = parsed.GetValue(rangeFinder) switch
                {
                    "subspace" => RangeFinder.SubspaceIteration,
                    "krylov" => RangeFinder.BlockKrylov,
                    var other => throw new UsageException($"--range-finder '{other}' is not one of subspace, krylov."),
                },
                Tolerance = parsed.GetValue(tolerance),
                Targets = ParseTargets(parsed.GetValue(targets)!),
                Seed = parsed.GetValue(seed),

                // the file's hash, which pipelines.json records as well (one hash of the base per command)
                BaseModelSha256 = ModelFolder.Sha256File(source.ModelPath),
                BaseUntouched = parsed.GetValue(baseUntouched),
                Eva = eva,
                Corda = corda,
                QuantizeBase = quantized,
                Redistribution = parsed.GetValue(redistribute) is { } rho ? new RankRedistribution { Rho = rho } : null,
                LoftQ = quantized
                    ? new LoftQOptions { RoundTrip = QuantizedBase.RoundTrip(QuantizedBase.DefaultOptions), Iterations = parsed.GetValue(loftqIter) }
                    : m == LowRankMethod.LoftQ
                    ? new LoftQOptions { RoundTrip = QuantizerRoundTrip.Of(new QuantizationOptions()), Iterations = parsed.GetValue(loftqIter) }
                    : null,
            };
            AdaptedModel adapted = LowRankInitializer.Initialize(original, options);
            if (quantized)
            {
                // the frozen base as int4 codes + block scales/zero points, dequantized in the graph before each MatMul
                adapted = adapted with { Model = QuantizedBase.Quantize(adapted.Model) };
            }

            AdaptedModelFolder.Write(dir, adapted, options, source);
            using TensorBatch samples = vocab is not null && original.Graph.RuntimeInputs().Any(v => v.Name == "input_ids")
                ? SampleInputs.FromSentences(original, vocab, SampleInputs.CheckSentences)
                : SampleInputs.Synthetic(original, seed: options.Seed);
            double deviation = OutputDeviation.MaxAbs(original, adapted.Model, samples);
            double seconds = watch.Elapsed.TotalSeconds;
            Render(console, adapted.Report, deviation, seconds, dir, vocab is not null);
            console.WriteJson(ToJson(adapted.Report, deviation, seconds, dir));
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>Parses <c>--targets</c>: parts separated by ';' are AND-ed.</summary>
    internal static TargetSelector ParseTargets(string text)
    {
        var selector = new TargetSelector();
        foreach (string raw in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Equals("all-linear", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (raw.StartsWith("regex:", StringComparison.OrdinalIgnoreCase))
            {
                selector = selector with { NamePattern = raw["regex:".Length..] };
            }
            else if (raw.StartsWith("layers:", StringComparison.OrdinalIgnoreCase))
            {
                selector = selector with
                {
                    Layers = raw["layers:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int l) ? l : throw new UsageException($"'{s}' in --targets is not a layer index."))
                        .ToList(),
                };
            }
            else
            {
                selector = selector with { Roles = raw.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WeightRoles.ParseShortName).ToList() };
            }
        }

        return selector;
    }

    internal static object ToJson(InitializationReport report, double deviation, double seconds, string dir) => new
    {
        Seconds = seconds,
        InitSeconds = report.Seconds,
        Method = LowRankMethods.Name(report.Method),
        MaxOutputDeviation = deviation,
        TrainableParameters = report.TrainableParameters,
        OutputDirectory = dir,
        Layers = report.Layers.Select(l => new
        {
            Name = l.Module,
            Weight = l.Initializer,
            l.Role,
            l.Layer,
            l.Rows,
            l.Cols,
            l.Rank,
            l.Alpha,
            l.CapturedEnergy,
            l.RelError,
            OptimalRelError = double.IsNaN(l.OptimalRelError) ? (double?)null : l.OptimalRelError,
            ErrorBound = double.IsNaN(l.ErrorBound) ? (double?)null : l.ErrorBound,
            l.PowerIterations,
            l.Seconds,
        }),
    };

    internal static void Render(CliConsole console, InitializationReport report, double deviation, double seconds, string dir, bool realSentences)
    {
        IAnsiConsole c = console.Human;
        var table = new Table().AddColumns("module", "shape", "rank", "α", "energy", "rel_error", "optimal", "‖·‖₂ bound");
        foreach (LayerReport l in report.Layers)
        {
            table.AddRow(
                Markup.Escape(l.Module.Replace("encoder.layer.", "L", StringComparison.Ordinal)),
                $"{l.Rows}×{l.Cols}",
                l.Rank.ToString(CultureInfo.InvariantCulture),
                l.Alpha.ToString("G4", CultureInfo.InvariantCulture),
                l.CapturedEnergy.ToString("F3", CultureInfo.InvariantCulture),
                l.RelError.ToString("F4", CultureInfo.InvariantCulture),
                double.IsNaN(l.OptimalRelError) ? "-" : l.OptimalRelError.ToString("F4", CultureInfo.InvariantCulture),
                double.IsNaN(l.ErrorBound) ? "-" : l.ErrorBound.ToString("G4", CultureInfo.InvariantCulture));
        }

        c.Write(table);
        c.MarkupLine($"{report.Method}: {report.Layers.Count} adapters, {report.TrainableParameters:N0} trainable parameters, initialisation {report.Seconds:F2} s, total {seconds:F2} s");
        c.MarkupLine($"max |adapted − original| over all outputs on {(realSentences ? "real sentences" : "synthetic inputs")}: {deviation:G3}");
        c.MarkupLine($"wrote {Markup.Escape(Path.Combine(dir, "model.onnx"))}, {AdapterSet.WeightsFile}, {AdapterSet.ConfigFile}");
    }
}
