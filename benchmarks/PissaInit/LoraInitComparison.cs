using System.Globalization;
using System.Text.Json;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.PissaInit;

/// <summary>
/// <c>pipelines lora init --method pissa-fast</c>'s initialisation (<see cref="LowRankInitializer.Initialize"/> with the
/// CLI's defaults: all 36 MatMuls of all-MiniLM-L6-v2, p = 0, niter = 4, seed 3) against <c>ref_pissa.py</c>
/// (torch.svd_lowrank q = r, the PiSSA split and W_res for each weight) at the same thread count, in one run.
/// </summary>
internal static class LoraInitComparison
{
    public static void Run(string python, string refPissa, int[] threadCounts, int reps)
    {
        string modelPath = PretrainedModels.MiniLm().ModelPath;
        OnnxModel model = OnnxModelIO.Load(modelPath);
        Console.WriteLine($"lora init pissa-fast on all-MiniLM-L6-v2, best of {reps}; torch = ref_pissa.py (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)");
        Console.WriteLine("threads  rank  ours          ours init  ours factors   torch loop   ratio init  ratio factors   mean rel err ours / torch");
        Console.WriteLine("(p=0 niter=4 are torch's settings and the CLI defaults; torch runs with OPENBLAS_NUM_THREADS = threads)");
        foreach (int threads in threadCounts)
        {
            foreach (int rank in new[] { 16, 64 })
            {
                JsonElement torch = PythonPeer.Run(python, [refPissa, modelPath, $"{rank}", "4", $"{threads}"], null, threads);
                double ts = torch.GetProperty("seconds").GetDouble();
                double te = torch.GetProperty("mean_rel_err").GetDouble();
                foreach ((string label, int p, int niter) in new[] { ("p=0 niter=4", 0, 4), ("p=8 niter=4", 8, 4) })
                {
                    double best = double.MaxValue;
                    double bestFactors = double.MaxValue;
                    double meanErr = 0;
                    for (int rep = 0; rep < reps; rep++)
                    {
                        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = rank, Oversampling = p, PowerIterations = niter, Seed = 3, MaxThreads = threads };
                        AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
                        best = Math.Min(best, adapted.Report.Seconds);

                        // The factor loop alone (SVD, split, W_res per weight), the part torch's loop times: per-layer
                        // seconds summed over the layers and divided by the threads that ran them.
                        bestFactors = Math.Min(bestFactors, adapted.Report.Layers.Sum(l => l.Seconds) / threads);
                        meanErr = adapted.Report.Layers.Average(l => l.RelError);
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{threads,7}  {rank,4}  {label,-12}  {best,8:F3} s  {bestFactors,9:F3} s  {ts,9:F3} s  {best / ts,9:F2}×  {bestFactors / ts,11:F2}×   {meanErr:F6} / {te:F6}"));
                }
            }
        }
    }
}
