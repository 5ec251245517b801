using System.Diagnostics;
using System.Globalization;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;

/// <summary>
/// Relative squared reconstruction error ‖W − deq(Q(W))‖² / ‖W‖² of every MatMul weight and embedding table of a model,
/// 4-bit block-wise, for each <see cref="BlockScaleSearch"/> (asymmetric and symmetric), with the quantization time.
/// </summary>
internal static class WeightErrorTable
{
    public static void Run(OnnxModel model, int blockSize)
    {
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        var tensors = new List<(string Name, float[] Rows, int R, int L)>();
        foreach (OnnxNode node in model.Graph.Nodes)
        {
            if (node.OpType == "MatMul" && node.Inputs.Count > 1 && inits.TryGetValue(node.Inputs[1], out OnnxTensor? w) && WeightMatrix.IsFloatMatrix(w))
            {
                int k = (int)w.Dims[0], n = (int)w.Dims[1];
                tensors.Add((w.Name, WeightMatrix.Transpose(w.AsSpan<float>(), k, n), n, k));
            }
            else if (node.OpType == "Gather" && inits.TryGetValue(node.Inputs[0], out OnnxTensor? e) && WeightMatrix.IsFloatMatrix(e) && e.Dims[1] % blockSize == 0)
            {
                tensors.Add((e.Name, e.AsSpan<float>().ToArray(), (int)e.Dims[0], (int)e.Dims[1]));
            }
        }

        var methods = new (string Name, bool Symmetric, BlockScaleSearch Search)[]
        {
            ("zp min-max", false, BlockScaleSearch.MinMax), ("zp clip", false, BlockScaleSearch.Clip), ("zp mse", false, BlockScaleSearch.Mse),
            ("sym min-max", true, BlockScaleSearch.MinMax), ("sym clip", true, BlockScaleSearch.Clip), ("sym mse", true, BlockScaleSearch.Mse),
        };
        Console.WriteLine($"| tensor | rows×len | {string.Join(" | ", methods.Select(m => m.Name))} |");
        Console.WriteLine($"|---|---|{string.Concat(methods.Select(_ => "---|"))}");
        var totals = new double[methods.Length];
        var seconds = new double[methods.Length];
        double norm = 0;
        foreach ((string name, float[] rows, int r, int l) in tensors)
        {
            double n2 = rows.Sum(v => (double)v * v);
            norm += n2;
            var cells = new List<string>();
            for (int m = 0; m < methods.Length; m++)
            {
                var watch = Stopwatch.StartNew();
                BlockQuantizedRows q = BlockQuantizer.Quantize(rows, r, l, blockSize, 4, methods[m].Symmetric, methods[m].Search);
                seconds[m] += watch.Elapsed.TotalSeconds;
                double e = BlockQuantizer.SquaredError(rows, q);
                totals[m] += e;
                cells.Add((e / n2).ToString("E3", CultureInfo.InvariantCulture));
            }

            Console.WriteLine($"| {name} | {r}×{l} | {string.Join(" | ", cells)} |");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all | | {string.Join(" | ", totals.Select(t => (t / norm).ToString("E3", CultureInfo.InvariantCulture)))} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| seconds | | {string.Join(" | ", seconds.Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))} |"));
    }
}
