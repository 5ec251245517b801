using System.Diagnostics;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Analysis;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// SPE stage: on the Petersen graph, a random rotation inside each repeated eigenspace leaves SPE unchanged while LapPE
/// moves by O(1); on real molecules the default spectrum keeps SPE invariant where the old fixed cut did not; then GINE
/// is trained with SPE (with and without the reference's BatchNorm) and without a PE on a generated cycle-counting set
/// (exact counts), and the per-layer activation variance at initialisation is compared for Xavier and Virgo.
/// </summary>
internal sealed class SpeDemoStage : IDemoStage
{
    public string Name => "spe";

    public string Description => "SPE graph encodings: basis invariance on Petersen (LapPE as control), then GINE+SPE vs GINE on generated cycle counts.";

    public object Run(DemoContext context)
    {
        IAnsiConsole c = context.Console.Human;
        var watch = Stopwatch.StartNew();
        GraphStructure petersen = RandomGraphs.Petersen();
        Spectrum full = LaplacianSpectrum.Compute(petersen, new SpectrumOptions(K: 10));
        (Spectrum rotated, int mult) = EigenbasisTransforms.RandomRotation(full, new Random(context.Seed));
        double speChange;
        using (var enc = new SpeEncoder(SpeParameters.Initialize(new SpeOptions(Seed: context.Seed)), TensorElementType.Double))
        {
            double[] a = enc.Encode([petersen], [full], 10)[0];
            double[] b = enc.Encode([petersen], [rotated], 10)[0];
            speChange = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        }

        var l0 = new float[100];
        var l1 = new float[100];
        LaplacianEigenvectorEncoding.Compute(full, 10, l0);
        LaplacianEigenvectorEncoding.Compute(rotated, 10, l1);
        double lapChange = l0.Zip(l1, (x, y) => Math.Abs(x - y)).Max();
        c.MarkupLine($"Petersen (eigenspaces up to dim {mult}) after a random basis rotation: max |ΔSPE| = {speChange:G2}, max |ΔLapPE| = {lapChange:F3}");
        if (speChange > 1e-8 || lapChange < 0.05)
        {
            throw new InvalidOperationException($"Invariance check failed: ΔSPE {speChange}, ΔLapPE {lapChange}.");
        }

        (int brokenBefore, double worstBefore, int brokenAfter, double worstAfter, int molecules) = RealMolecules(context);
        c.MarkupLine($"{molecules} real molecules, relabelled and rotated inside degenerate eigenspaces (k = 8): SPE changed on {brokenBefore} (max rel {worstBefore:G2}) with the old fixed cut, on {brokenAfter} (max rel {worstAfter:G2}) with the default that never splits an eigenspace");
        if (brokenAfter > 0)
        {
            throw new InvalidOperationException($"SPE is not invariant on {brokenAfter} molecules under the default spectrum.");
        }

        var samples = CycleCountingDataset.Generate(300, context.Seed, minNodes: 8, maxNodes: 14);
        var data = new GraphDataset("cycles-4", samples.Select(s => s.WithTarget(4)).ToList(), NodeTypeCount: 1, EdgeTypeCount: 1, ClassCount: 0, NodeTypeKeys: null);
        int[] first = [.. Enumerable.Range(0, 200)];
        int[] rest = [.. Enumerable.Range(200, 100)];
        var split = new GraphDatasetSplit(first, rest, rest);
        var results = new Dictionary<string, double>();
        SpeOptions compact = SpeOptions.Compact(outputSize: 16, context.Seed);
        var encodings = new (string Label, GraphEncoding Pe)[]
        {
            ("none", new NoEncoding()),
            ("spe", new SpeEncoding(14, compact)),
            ("spe+bn", new SpeEncoding(14, compact with { Normalization = SpeNormalization.BatchNorm })),
        };
        foreach ((string label, GraphEncoding pe) in encodings)
        {
            GraphTrainingJob job = GraphTrainingJob.Prepare(data, split, pe);
            GraphTrainingResult trained = job.Run(
                new GineOptions(32, 3, GraphPooling.Sum, 32, context.Seed),
                new GraphTrainerOptions(Epochs: 15, BatchSize: 25, LearningRate: 3e-3f, WarmupSteps: 10, Seed: context.Seed));
            results[label] = trained.TestMetric;
            c.MarkupLine($"4-cycle counting, GINE + PE {label,-6}: test MAE {trained.TestMetric:F3} (target mean {job.Test.Graphs.Average(g => g.Target):F2}, {trained.Model.ParameterCount:N0} parameters){(label == "spe+bn" ? $"; BatchNorm in φ/ρ trains on batch statistics of real nodes, predicts with running ones (alone = in a batch: {BatchInvariance(trained.Model, job.Test):G2})" : "")}");
        }

        // SPE's n×n part is batched as per-graph blocks (GineOptions.SpeLayout): Σ n_g² (column, node) pairs, not B·N_max².
        long blockPairs = data.Graphs.Sum(g => (long)g.NodeCount * g.NodeCount);
        long paddedPairs = data.Graphs.Chunk(25).Sum(b => (long)b.Length * b.Max(g => g.NodeCount) * b.Max(g => g.NodeCount));
        c.MarkupLine($"SPE's n×n part per epoch (batches of 25): {blockPairs:N0} (column, node) pairs as per-graph blocks vs {paddedPairs:N0} padded to B·N_max² ({(double)paddedPairs / blockPairs:F2}×; same function, tests/Transforms.Tests SpeBlockLayoutTests)");

        // The same run with the padded dense layout: same function, so the same MAE up to float rounding; it costs B·N² per layer.
        (double sparseMae, double sparseSeconds) = LayoutRun(data, split, GraphMessagePassing.Sparse, context.Seed);
        (double denseMae, double denseSeconds) = LayoutRun(data, split, GraphMessagePassing.Dense, context.Seed);
        c.MarkupLine($"GINE message passing, no PE: sparse edge lists test MAE {sparseMae:F3} ({sparseSeconds:F2} s/epoch), dense padded N×N test MAE {denseMae:F3} ({denseSeconds:F2} s/epoch)");

        // Reduce-on-plateau: the run ends when the validation metric has flattened, not at a fixed epoch count.
        var plateauEpochs = new List<EpochReport>();
        var plateau = new PlateauReduction(Patience: 3, MinScale: 0.1);
        GraphTrainingResult flat = GraphTrainingJob.Prepare(data, split, new NoEncoding()).Run(
            new GineOptions(32, 3, GraphPooling.Sum, 32, context.Seed),
            new GraphTrainerOptions(Epochs: 200, BatchSize: 25, LearningRate: 3e-3f, WarmupSteps: 10, Seed: context.Seed, Threads: 1, Plateau: plateau),
            new EpochSink(plateauEpochs));
        c.MarkupLine($"reduce-on-plateau (×{plateau.Factor} after {plateau.Patience} epochs without a better validation MAE, end below {plateau.MinScale:P0} of the rate): ended after epoch {flat.EpochsRun} of at most 200, best epoch {flat.BestEpoch}, test MAE {flat.TestMetric:F3} (no PE; fixed 15-epoch linear decay: {sparseMae:F3})");

        (double xavierSpread, double virgoSpread) = InitVariances(c, data, split, context.Seed);


        return new { SpeChangeUnderRotation = speChange, LapPeChangeUnderRotation = lapChange, MoleculesBrokenByFixedCut = brokenBefore, MoleculesBrokenByDefault = brokenAfter, CycleCountMae = results, SpePairs = new { Blocks = blockPairs, Padded = paddedPairs }, MessagePassingMae = new { Sparse = sparseMae, Dense = denseMae }, Plateau = new { flat.EpochsRun, flat.BestEpoch, flat.TestMetric }, ActivationVarianceSpread = new { Xavier = xavierSpread, Virgo = virgoSpread }, Seconds = watch.Elapsed.TotalSeconds };
    }

    /// <summary>Test MAE and median epoch seconds of GINE without PE in one message-passing layout.</summary>
    private static (double Mae, double EpochSeconds) LayoutRun(GraphDataset data, GraphDatasetSplit split, GraphMessagePassing layout, int seed)
    {
        var epochs = new List<EpochReport>();
        GraphTrainingResult trained = GraphTrainingJob.Prepare(data, split, new NoEncoding()).Run(
            new GineOptions(32, 3, GraphPooling.Sum, 32, seed) { MessagePassing = layout },
            new GraphTrainerOptions(Epochs: 15, BatchSize: 25, LearningRate: 3e-3f, WarmupSteps: 10, Seed: seed, Threads: 1),
            new EpochSink(epochs));
        double[] seconds = [.. epochs.Select(e => e.Seconds).Order()];
        return (trained.TestMetric, seconds[seconds.Length / 2]);
    }

    private sealed class EpochSink(List<EpochReport> epochs) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => epochs.Add(value);
    }

    /// <summary>Largest difference between a graph's prediction alone and in one batch with the others (eval mode).</summary>
    private static double BatchInvariance(GraphModel model, GraphSplit test)
    {
        using var predictor = new GraphPredictor(model);
        float[][] together = predictor.Predict(test.Graphs, test.Encodings, batchSize: test.Graphs.Count);
        return Enumerable.Range(0, 5).Max(i => Math.Abs(predictor.Predict([test.Graphs[i]], [test.Encodings[i]])[0][0] - together[i][0]));
    }

    /// <summary>Per-layer activation variance at initialisation, Xavier vs Virgo; returns each one's max/min ratio over layers.</summary>
    private static (double Xavier, double Virgo) InitVariances(IAnsiConsole c, GraphDataset data, GraphDatasetSplit split, int seed)
    {
        GraphTrainingJob job = GraphTrainingJob.Prepare(data, split, new NoEncoding());
        double Spread(GnnInit init, out string line)
        {
            GraphModelDefinition def = job.Define(new GineOptions(32, 4, GraphPooling.Sum, 32, seed, init));
            IReadOnlyList<LayerVariance> v = GraphInitDiagnostics.Measure(def, job.Train);
            line = string.Join(" → ", v.Select(x => x.Activation.ToString("G2", System.Globalization.CultureInfo.InvariantCulture)));
            return v.Max(x => x.Activation) / v.Min(x => x.Activation);
        }

        double xavier = Spread(GnnInit.Xavier, out string xl);
        double virgo = Spread(GnnInit.Virgo, out string vl);
        c.MarkupLine($"GINE×4 at initialisation, Var(h_ℓ) per layer: Xavier {xl} (×{xavier:F1}), Virgo {vl} (×{virgo:F1}; variance from the training graphs' degrees, Li et al. 2023)");
        return (xavier, virgo);
    }

    /// <summary>Common drugs and metabolites (pendant atoms give eigenvalue 1 of high multiplicity).</summary>
    private static readonly string[] s_smiles =
    [
        "CC(=O)OC1=CC=CC=C1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)CC1=CC=C(C=C1)C(C)C(=O)O", "CC(=O)NC1=CC=C(C=C1)O",
        "CC(C)(C)NCC(O)C1=CC(=C(C=C1)O)CO", "CN1CCCC1C2=CN=CC=C2", "OC(=O)CC(O)(CC(O)=O)C(O)=O", "CC(C)NCC(O)COC1=CC=CC2=CC=CC=C21",
        "COC1=CC=C(C=C1)CCN", "CC(C(=O)O)N", "O=C(O)c1ccccc1O", "ClC(Cl)(Cl)Cl", "CC(C)(C)C1=CC=C(C=C1)O", "CN(C)C(=N)N=C(N)N",
        "CC1=C(C=C(C=C1)NC(=O)C)O", "OCC(O)C(O)C(O)C(O)CO", "CC(=O)OCC(COC(C)=O)OC(C)=O", "CCN(CC)C(=O)C1=CC=CC=C1",
        "NC(CCC(=O)O)C(=O)O", "CC(C)CC(N)C(=O)O", "FC(F)(F)C1=CC=C(C=C1)OC(C)CCNC", "CS(=O)(=O)NC1=CC=C(C=C1)[N+](=O)[O-]",
    ];

    /// <summary>SPE before (fixed cut at k = 8) and after (the default) a relabelling plus rotations, on real molecules.</summary>
    private static (int BrokenBefore, double WorstBefore, int BrokenAfter, double WorstAfter, int Count) RealMolecules(DemoContext context)
    {
        string csv = Path.Combine(context.WorkDirectory, "molecules.csv");
        File.WriteAllLines(csv, ["smiles", .. s_smiles]);
        GraphStructure[] graphs = [.. GraphDataset.ReadSmilesCsv(csv).Graphs.Select(g => g.ToStructure())];
        using var encoder = new SpeEncoder(SpeParameters.Initialize(new SpeOptions(Seed: context.Seed)), TensorElementType.Double);
        InvarianceCheck[] before = EncodingInvariance.Spe(graphs, encoder, new SpectrumOptions(K: 8, Truncation: SpectrumTruncation.Fixed), context.Seed);
        InvarianceCheck[] after = EncodingInvariance.Spe(graphs, encoder, new SpectrumOptions(K: 8), context.Seed);
        return (before.Count(b => b.RelativeDifference > 1e-5), before.Max(b => b.RelativeDifference), after.Count(a => a.RelativeDifference > 1e-5), after.Max(a => a.RelativeDifference), graphs.Length);
    }
}
