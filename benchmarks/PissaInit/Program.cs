using System.Diagnostics;
using Pipelines.Numerics.LinearAlgebra;

int n = 4096;
var w = new Matrix(n, n);
new GaussianSampler(1).Fill(w.Data);
var b = new Matrix(n, 64);
new GaussianSampler(2).Fill(b.Data);
var c = new Matrix(n, 64);
for (int rep = 0; rep < 3; rep++)
{
    var sw = Stopwatch.StartNew();
    Gemm.Multiply(w.Data, false, b.Data, false, c.Data, n, 64, n);
    double t1 = sw.Elapsed.TotalSeconds;
    sw.Restart();
    Gemm.Multiply(w.Data, true, b.Data, false, c.Data, n, 64, n);
    double t2 = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"gemm N GF/s {2.0 * n * n * 64 / t1 / 1e9:F1}  T GF/s {2.0 * n * n * 64 / t2 / 1e9:F1}  tile {Gemm.TileColumns}");
}

foreach (int r in new[] { 16, 64 })
{
    for (int rep = 0; rep < 2; rep++)
    {
        var sw = Stopwatch.StartNew();
        RandomizedSvdResult res = RandomizedSvd.Compute(w, new RandomizedSvdOptions { Rank = r, Oversampling = 0, PowerIterations = 4, Seed = 0 });
        Console.WriteLine($"rsvd r={r}: {sw.Elapsed.TotalSeconds:F3}s rel {res.RelativeResidualEstimate:F5}");
    }
}
