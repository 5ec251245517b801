// Grokking at the edge of numerical stability (Prieto et al., ICLR 2025), small-budget reproduction: (a + b) mod P with
// two concatenated one-hots (2P dims) → MLP [200, 200] ReLU → P logits, trained full-batch in float32 without weight decay
// on a fraction of all P² pairs, AdamW lr 0.01, β = (0.9, 0.99), ε = 1e-25 (the reference's settings). Compares softmax
// cross-entropy with StableMax cross-entropy, each with and without ⊥Grad, and prints test accuracy over steps.
// Writes grokking.csv (config, step, train loss, train accuracy, test accuracy) to the output folder.
// Run: dotnet run -c Release --project benchmarks/Grokking -- [steps=1500] [evalEvery=100] [outDir] [trainFraction=0.4] [P=97]
using System.Diagnostics;
using System.Globalization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;

CultureInfo inv = CultureInfo.InvariantCulture;
int steps = args.Length > 0 ? int.Parse(args[0], inv) : 1500;
int evalEvery = args.Length > 1 ? int.Parse(args[1], inv) : 100;
string outDir = args.Length > 2 ? args[2] : "artifacts/grokking";
double fraction = args.Length > 3 ? double.Parse(args[3], inv) : 0.4;
int p = args.Length > 4 ? int.Parse(args[4], inv) : 97;
const int Hidden = 200;
Directory.CreateDirectory(outDir);

// the split: all pairs, shuffled with a fixed seed, the first fraction trains
var rng = new Random(42);
int[] order = [.. Enumerable.Range(0, p * p)];
rng.Shuffle(order);
int nTrain = (int)Math.Round(fraction * order.Length);
int[] train = order[..nTrain], test = order[nTrain..];

var configs = new (string Name, bool StableMax, bool Orthogonal)[]
{
    ("softmax", false, false),
    ("stablemax", true, false),
    ("softmax+orthograd", false, true),
    ("stablemax+orthograd", true, true),
};
var rows = new List<string> { "config,step,train_loss,train_accuracy,test_accuracy" };
var table = new SortedDictionary<int, Dictionary<string, double>>();
foreach ((string name, bool stableMax, bool orthogonal) in configs)
{
    var sw = Stopwatch.StartNew();
    OnnxModel model = BuildMlp(nTrain, p, Hidden, seed: 42);
    TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
    {
        Loss = stableMax ? new StableMaxCrossEntropyLoss("logits") : new CrossEntropyLoss("logits"),
        Trainables = ["W1", "b1", "W2", "b2", "W3", "b3"],
        Optimizer = new AdamWOptimizer(0.9, 0.99, 1e-25) { OrthogonalGradient = orthogonal },
    });
    using var trainer = new Trainer(graph, new TrainerOptions
    {
        Schedule = new ConstantSchedule(0.01),
        Session = SessionSettings.Default with { IntraOpThreads = 1 },
    });
    Span<float> x = trainer.Batch.Get<float>("x");
    Span<long> labels = trainer.Batch.Get<long>("labels");
    x.Clear();
    for (int i = 0; i < nTrain; i++)
    {
        (int a, int b) = (train[i] / p, train[i] % p);
        x[(i * 2 * p) + a] = 1;
        x[(i * 2 * p) + p + b] = 1;
        labels[i] = (a + b) % p;
    }

    for (int s = 0; s <= steps; s++)
    {
        if (s % evalEvery == 0 || s == steps)
        {
            float[][] w = [.. new[] { "W1", "b1", "W2", "b2", "W3", "b3" }.Select(trainer.GetState<float>)];
            double trainAcc = Accuracy(w, train, p), testAcc = Accuracy(w, test, p);
            double loss = s == 0 ? double.NaN : trainer.LastLoss;
            rows.Add(string.Create(inv, $"{name},{s},{loss:R},{trainAcc:F4},{testAcc:F4}"));
            if (!table.TryGetValue(s, out Dictionary<string, double>? row))
            {
                table[s] = row = [];
            }

            row[name] = testAcc;
            Console.WriteLine(string.Create(inv, $"{name,-20} step {s,6}  loss {loss,10:E3}  train {trainAcc:P1}  test {testAcc:P1}  ({sw.Elapsed.TotalSeconds:F0} s)"));
        }

        if (s < steps)
        {
            trainer.TrainStep();
        }
    }
}

string csv = Path.Combine(outDir, "grokking.csv");
File.WriteAllLines(csv, rows);
Console.WriteLine();
Console.WriteLine($"test accuracy, (a + b) mod {p}, train fraction {fraction:F2} ({nTrain} pairs), full batch, float32, no weight decay");
Console.WriteLine("| step | " + string.Join(" | ", configs.Select(c => c.Name)) + " |");
Console.WriteLine("|---:|" + string.Concat(configs.Select(_ => "---:|")));
foreach ((int s, Dictionary<string, double> row) in table)
{
    Console.WriteLine($"| {s} | " + string.Join(" | ", configs.Select(c => row.TryGetValue(c.Name, out double v) ? v.ToString("P1", inv) : "")) + " |");
}

Console.WriteLine($"wrote {csv}");

// x [N, 2P] → Linear(2P, H) → ReLU → Linear(H, H) → ReLU → Linear(H, P); PyTorch's default U(±1/√fan_in) init
static OnnxModel BuildMlp(int n, int p, int hidden, int seed)
{
    var rng = new Random(seed);
    float[] U(int fanIn, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) / Math.Sqrt(fanIn)))];
    var b = new GraphBuilder("grokking_mlp");
    string x = b.Input("x", TensorElementType.Float, n, 2 * p);
    string h = Layer(b, x, "1", U(2 * p, 2 * p * hidden), U(2 * p, hidden), 2 * p, hidden, relu: true);
    h = Layer(b, h, "2", U(hidden, hidden * hidden), U(hidden, hidden), hidden, hidden, relu: true);
    string logits = Layer(b, h, "3", U(hidden, hidden * p), U(hidden, p), hidden, p, relu: false);
    b.Output(logits, "logits", TensorType.Of(TensorElementType.Float, n, p));
    return b.ToModel();
}

static string Layer(GraphBuilder b, string input, string id, float[] w, float[] bias, int fanIn, int fanOut, bool relu)
{
    string y = b.Op("Add", b.Op("MatMul", input, b.Initializer(OnnxTensor.FromFloats("W" + id, w, fanIn, fanOut))), b.Initializer(OnnxTensor.FromFloats("b" + id, bias, fanOut)));
    return relu ? b.Op("Relu", y) : y;
}

// the input is two one-hots, so layer 1 is a sum of two rows of W1
static double Accuracy(float[][] w, int[] pairs, int p)
{
    const int H = 200;
    float[] h1 = new float[H], h2 = new float[H];
    int correct = 0;
    foreach (int pair in pairs)
    {
        (int a, int b) = (pair / p, pair % p);
        for (int j = 0; j < H; j++)
        {
            h1[j] = Math.Max(0, w[0][(a * H) + j] + w[0][((p + b) * H) + j] + w[1][j]);
        }

        for (int j = 0; j < H; j++)
        {
            float sum = w[3][j];
            for (int i = 0; i < H; i++)
            {
                sum += h1[i] * w[2][(i * H) + j];
            }

            h2[j] = Math.Max(0, sum);
        }

        int best = 0;
        float bestValue = float.NegativeInfinity;
        for (int c = 0; c < p; c++)
        {
            float sum = w[5][c];
            for (int i = 0; i < H; i++)
            {
                sum += h2[i] * w[4][(i * p) + c];
            }

            if (sum > bestValue)
            {
                (best, bestValue) = (c, sum);
            }
        }

        correct += best == (a + b) % p ? 1 : 0;
    }

    return (double)correct / pairs.Length;
}
