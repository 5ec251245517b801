// 32-bit AdamW vs 8-bit block-wise AdamW vs Stable-SPAM on one task, side by side in one run:
// full-batch (a + b) mod 97 on all 9,409 pairs, MLP 194 → 256 → 256 → 97 in float32, lr 1e-3, same init and data.
// Prints the loss every 50 steps, the largest |loss₈ − loss₃₂| / loss₃₂, optimizer-state bytes and their ratio, ms/step.
// Run: dotnet run -c Release --project benchmarks/OptimizerState -- [steps=300]
// The update's own cost at full-fine-tuning size (22.7 M values): ... -- update [elements] [steps] [profile-prefix] (UpdateCost.cs)
using System.Diagnostics;
using System.Globalization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;

if (args.Length > 0 && args[0] == "update")
{
    Pipelines.Benchmarks.OptimizerState.UpdateCost.Run(args);
    return;
}

CultureInfo inv = CultureInfo.InvariantCulture;
int steps = args.Length > 0 ? int.Parse(args[0], inv) : 300;
const int P = 97, H = 256, N = P * P;
var optimizers = new (string Name, Optimizer Optimizer)[]
{
    ("adamw", new AdamWOptimizer()),
    ("adamw8bit", new AdamW8BitOptimizer()),
    ("stable-spam", new StableSpamOptimizer()),
};
var curves = new Dictionary<string, List<double>>();
foreach ((string name, Optimizer optimizer) in optimizers)
{
    TrainingGraph graph = TrainingGraphBuilder.Build(Mlp(), new TrainingGraphOptions
    {
        Loss = new CrossEntropyLoss("logits"),
        Trainables = ["W1", "b1", "W2", "b2", "W3", "b3"],
        Optimizer = optimizer,
    });
    using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1e-3), Session = SessionSettings.Default with { IntraOpThreads = 1 } });
    Span<float> x = trainer.Batch.Get<float>("x");
    Span<long> labels = trainer.Batch.Get<long>("labels");
    for (int i = 0; i < N; i++)
    {
        x[(i * 2 * P) + (i / P)] = 1;
        x[(i * 2 * P) + P + (i % P)] = 1;
        labels[i] = ((i / P) + (i % P)) % P;
    }

    var losses = new List<double>();
    var sw = Stopwatch.StartNew();
    for (int s = 0; s < steps; s++)
    {
        losses.Add(trainer.TrainStep());
    }

    curves[name] = losses;
    long paramBytes = graph.Parameters.Sum(p => (long)p.Initial.RawData.Length);
    Console.WriteLine(string.Create(inv, $"{name,-12} state {graph.OptimizerStateBytes,10:N0} B (parameters {paramBytes:N0} B)  {sw.Elapsed.TotalMilliseconds / steps,7:F1} ms/step  loss {losses[0]:F4} → {losses[^1]:F4}"));
}

Console.WriteLine();
Console.WriteLine("| step | " + string.Join(" | ", optimizers.Select(o => o.Name)) + " |");
Console.WriteLine("|---:|" + string.Concat(optimizers.Select(_ => "---:|")));
for (int s = 0; s < steps; s += 50)
{
    Console.WriteLine(string.Create(inv, $"| {s + 1} | ") + string.Join(" | ", optimizers.Select(o => curves[o.Name][s].ToString("F4", inv))) + " |");
}

Console.WriteLine(string.Create(inv, $"| {steps} | ") + string.Join(" | ", optimizers.Select(o => curves[o.Name][^1].ToString("F4", inv))) + " |");
double worst = curves["adamw"].Zip(curves["adamw8bit"]).Max(p => Math.Abs(p.First - p.Second) / p.First);
Console.WriteLine(string.Create(inv, $"max |loss(8-bit) − loss(32-bit)| / loss(32-bit) over {steps} steps: {worst:P2}"));

static OnnxModel Mlp()
{
    var rng = new Random(42);
    float[] U(int fanIn, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) / Math.Sqrt(fanIn)))];
    var b = new GraphBuilder("mlp");
    string h = b.Input("x", TensorElementType.Float, N, 2 * P);
    int[] widths = [2 * P, H, H, P];
    for (int l = 0; l < 3; l++)
    {
        string id = (l + 1).ToString(CultureInfo.InvariantCulture);
        h = b.Op("Add", b.Op("MatMul", h, b.Initializer(OnnxTensor.FromFloats("W" + id, U(widths[l], widths[l] * widths[l + 1]), widths[l], widths[l + 1]))), b.Initializer(OnnxTensor.FromFloats("b" + id, U(widths[l], widths[l + 1]), widths[l + 1])));
        h = l < 2 ? b.Op("Relu", h) : h;
    }

    b.Output(h, "logits", TensorType.Of(TensorElementType.Float, N, P));
    return b.ToModel();
}
