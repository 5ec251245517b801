using Pipelines.Cli.Commands;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// LoRA stage: PiSSA-fast-initialises all 36 MatMul weights of all-MiniLM-L6-v2 at r = 16, prints the per-layer table,
/// writes the adapted model, adapters and vocabulary as a verified model folder, and checks the adapted model's outputs on
/// real sentences stay within 1e-4; then peft's orthogonal init with rsLoRA scaling, whose outputs are preserved too, and
/// DoRA on the PiSSA init, preserved at init and merged into plain weights with the same outputs.
/// </summary>
internal sealed class LoraDemoStage : IDemoStage
{
    private const double Tolerance = 1e-4;

    public string Name => "lora";

    public string Description => "PiSSA-initialise all-MiniLM-L6-v2 (r = 16), print the per-layer table and confirm the outputs are preserved.";

    public object Run(DemoContext context)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        OnnxModel model = OnnxModelIO.Load(files.ModelPath);
        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 16, Oversampling = 8, Seed = (ulong)context.Seed, ReportOptimalError = true };
        AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
        string dir = Path.Combine(context.WorkDirectory, "lora-minilm");
        AdaptedModelFolder.Write(dir, adapted, options, ModelFolder.Open(files.ModelPath));
        ModelFolder written = ModelFolder.Open(dir); // reopening verifies every file against pipelines.json
        using TensorBatch samples = SampleInputs.FromSentences(model, files.VocabPath, SampleInputs.CheckSentences);
        double deviation = OutputDeviation.MaxAbs(model, adapted.Model, samples);
        LoraInitCommand.Render(context.Console, adapted.Report, deviation, watch.Elapsed.TotalSeconds, dir, realSentences: true);
        context.Console.Human.MarkupLine($"model folder: {written.Manifest!.Files.Count} files verified against {ModelFolder.ManifestFileName} ({written.Manifest.Adapters!.Method} r{written.Manifest.Adapters.Rank}, vocab {written.Manifest.Tokenizer!.VocabularySha256[..12]}…)");
        if (!(deviation < Tolerance))
        {
            throw new InvalidOperationException($"The PiSSA-adapted MiniLM deviates by {deviation} (> {Tolerance}) from the original.");
        }

        // peft's orthogonal init with rsLoRA scaling (α/√r): adapters start at zero, so outputs are preserved too.
        var orthogonal = options with { Method = LowRankMethod.Orthogonal, RsLora = true, ReportOptimalError = false };
        AdaptedModel ortho = LowRankInitializer.Initialize(model, orthogonal);
        double orthoDeviation = OutputDeviation.MaxAbs(model, ortho.Model, samples);
        context.Console.Human.MarkupLine($"orthogonal init + rsLoRA (scale α/√r = {LowRankOptions.Scale(orthogonal.Rank, orthogonal.Alpha ?? orthogonal.Rank, rsLora: true):G3}): max output deviation {orthoDeviation:G2}");
        if (!(orthoDeviation < Tolerance))
        {
            throw new InvalidOperationException($"The orthogonally initialised MiniLM deviates by {orthoDeviation} (> {Tolerance}) from the original.");
        }

        // DoRA (peft's use_dora): the same init plus a magnitude m = ‖W_res + s·A·B‖_c per output unit; preserved at init,
        // and AdapterMerger folds W' = m ⊙ V / ‖V‖_c into plain MatMul weights with the same outputs.
        AdaptedModel dora = LowRankInitializer.Initialize(model, options with { Dora = true, ReportOptimalError = false });
        double doraDeviation = OutputDeviation.MaxAbs(model, dora.Model, samples);
        double mergeDeviation = OutputDeviation.MaxAbs(dora.Model, Pipelines.Onnx.Adapters.AdapterMerger.Merge(dora.Model).Model, samples);
        context.Console.Human.MarkupLine($"DoRA ({dora.Adapters.Adapters.Sum(f => f.Magnitude!.Length):N0} magnitudes on top of the factors): max output deviation {doraDeviation:G2} at init, merged vs adapted {mergeDeviation:G2}");
        if (!(doraDeviation < Tolerance) || !(mergeDeviation < Tolerance))
        {
            throw new InvalidOperationException($"DoRA on MiniLM deviates by {doraDeviation} at init and {mergeDeviation} after merging (> {Tolerance}).");
        }

        // Per-layer rank allocation (EVA's redistribution by the spectrum of W): the same Σr, moved to the weights whose
        // leading components carry the most of their energy; still PiSSA, so outputs stay preserved.
        AdaptedModel moved = LowRankInitializer.Initialize(model, options with { Redistribution = new RankRedistribution(), ReportOptimalError = false });
        double movedDeviation = OutputDeviation.MaxAbs(model, moved.Model, samples);
        string perRole = string.Join(", ", moved.Report.Layers.GroupBy(l => l.Role).Select(g => $"{g.Key} {g.Average(l => l.Rank):0.#}"));
        context.Console.Human.MarkupLine(
            $"rank redistribution (ρ = {RankRedistribution.Defaults.Rho}, Σr = {moved.Report.Layers.Sum(l => l.Rank)} kept): mean rank per role {perRole}; "
            + $"mean captured energy {moved.Report.Layers.Sum(l => l.CapturedEnergy) / adapted.Report.Layers.Count:P1} vs uniform {adapted.Report.Layers.Average(l => l.CapturedEnergy):P1}; max output deviation {movedDeviation:G2}");
        if (!(movedDeviation < Tolerance) || moved.Report.Layers.Sum(l => l.Rank) != adapted.Report.Layers.Sum(l => l.Rank))
        {
            throw new InvalidOperationException($"Rank redistribution on MiniLM deviates by {movedDeviation} (> {Tolerance}) or changed the rank budget.");
        }

        // Block Krylov range finder (Musco & Musco 2015): every block of the power iteration kept, so p = 0 and 3 steps
        // (8 products on r columns, against the default's 10 on r + 8) reach an error below the default's.
        AdaptedModel krylov = LowRankInitializer.Initialize(
            model, options with { RangeFinder = Pipelines.Numerics.LinearAlgebra.RangeFinder.BlockKrylov, Oversampling = 0, PowerIterations = 3, ReportOptimalError = false });
        double krylovDeviation = OutputDeviation.MaxAbs(model, krylov.Model, samples);
        context.Console.Human.MarkupLine(
            $"block Krylov range finder (p = 0, 3 steps): mean rel. error {krylov.Report.Layers.Average(l => l.RelError):F5} vs default {adapted.Report.Layers.Average(l => l.RelError):F5}; max output deviation {krylovDeviation:G2}");
        if (!(krylovDeviation < Tolerance))
        {
            throw new InvalidOperationException($"The block-Krylov PiSSA init of MiniLM deviates by {krylovDeviation} (> {Tolerance}) from the original.");
        }

        double meanExcess = adapted.Report.Layers.Average(l => l.ExcessError);
        return new { Adapters = adapted.Report.Layers.Count, FolderFiles = written.Manifest.Files.Count, MaxOutputDeviation = deviation, MeanExcessError = meanExcess, adapted.Report.TrainableParameters, Seconds = watch.Elapsed.TotalSeconds };
    }
}
