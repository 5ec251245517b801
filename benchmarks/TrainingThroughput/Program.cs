using System.Diagnostics;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;
using Pipelines.Transforms.LowRank;
using TorchSharp;
using static TorchSharp.torch;

// Training throughput: the ONNX Runtime engine vs TorchSharp-cpu doing the same training in the same process.
//   dotnet run -c Release --project benchmarks/TrainingThroughput -- [--mlp-steps 500] [--minilm-steps 10] [--threads N] [--device cpu|cuda] [--skip-torch] [--skip-minilm]
// MiniLM LoRA step vs ref_train.py (PyTorch), step time and peak RSS, 1 and 2 threads, float32 and int8 frozen weights:
// Per-op profile of the MiniLM LoRA step (ORT profiler → markdown: per op type and phase, top 30 nodes, GEMM GFLOP/s vs MLAS alone):
//   dotnet run -c Release --project benchmarks/TrainingThroughput -- --minilm-profile [--out FILE.md] [--threads 1] [--steps 5] [--checkpoint-blocks]
//   dotnet run -c Release --project benchmarks/TrainingThroughput -- --minilm-compare [--rounds 3] [--minilm-steps 10] [--threads-list 1,2] [--precisions float32,int8] [--ref PATH] [--no-arena] [--memory-pattern] [--shrink-arena] [--exact-arena]
if (args.Contains("--minilm-worker"))
{
    Environment.Exit(Pipelines.Benchmarks.MiniLmStep.Run(args));
}

if (args.Contains("--minilm-profile"))
{
    // the per-op profile of one MiniLM step as markdown: --minilm-profile [--out FILE.md] [--threads 1] [--steps 5] [worker flags]
    string prefix = Path.Combine(Directory.CreateTempSubdirectory("minilm-profile").FullName, "step");
    string? report = Flag("--out");
    string[] worker = ["--minilm-worker", "--profile", prefix, .. report is null ? Array.Empty<string>() : ["--profile-out", report], .. args.Where((a, i) => a != "--minilm-profile" && a != "--out" && (i == 0 || args[i - 1] != "--out"))];
    if (!worker.Contains("--steps"))
    {
        worker = [.. worker, "--steps", "5"];
    }

    Environment.Exit(Pipelines.Benchmarks.MiniLmStep.Run(worker));
}

if (args.Contains("--minilm-compare"))
{
    Environment.Exit(Pipelines.Benchmarks.MiniLmComparison.Run(args));
}

int mlpSteps = Arg("--mlp-steps", 500);
int miniLmSteps = Arg("--minilm-steps", 10);
int threads = Arg("--threads", Environment.ProcessorCount);
bool cuda = Flag("--device") == "cuda";
bool skipTorch = args.Contains("--skip-torch");
bool skipMiniLm = args.Contains("--skip-minilm");
var session = new SessionSettings { IntraOpThreads = threads, Device = cuda ? ExecutionDevice.Cuda(0) : ExecutionDevice.Cpu };
Console.WriteLine($"threads {threads}, ORT device {(cuda ? "cuda:0" : "cpu")}, {Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}");

// ---- MLP 784-256-10, batch 64, AdamW lr 1e-3 -------------------------------------------------------------------------
const int Rows = 6400, In = 784, Hidden = 256, Classes = 10, Batch = 64;
var rng = new Random(1);
float[] x = new float[Rows * In];
long[] y = new long[Rows];
float[] teacher = [.. Enumerable.Range(0, In * Classes).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
for (int r = 0; r < Rows; r++)
{
    for (int i = 0; i < In; i++)
    {
        x[(r * In) + i] = (float)rng.NextDouble();
    }

    int best = 0;
    double bestScore = double.NegativeInfinity;
    for (int c = 0; c < Classes; c++)
    {
        double s = 0;
        for (int i = 0; i < In; i++)
        {
            s += x[(r * In) + i] * teacher[(i * Classes) + c];
        }

        (best, bestScore) = s > bestScore ? (c, s) : (best, bestScore);
    }

    y[r] = best;
}

float[] Uniform(int n, double bound) => [.. Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * bound))];
float[] w1 = Uniform(In * Hidden, 1 / Math.Sqrt(In)), b1 = Uniform(Hidden, 1 / Math.Sqrt(In));
float[] w2 = Uniform(Hidden * Classes, 1 / Math.Sqrt(Hidden)), b2 = Uniform(Classes, 1 / Math.Sqrt(Hidden));

var gb = new GraphBuilder("mlp");
string xin = gb.Input("x", TensorElementType.Float, "batch", In);
string h = gb.Op("Relu", gb.Op("Add", gb.Op("MatMul", xin, gb.Initializer(OnnxTensor.FromFloats("W1", w1, In, Hidden))), gb.Initializer(OnnxTensor.FromFloats("b1", b1, Hidden))));
gb.Output(gb.Op("Add", gb.Op("MatMul", h, gb.Initializer(OnnxTensor.FromFloats("W2", w2, Hidden, Classes))), gb.Initializer(OnnxTensor.FromFloats("b2", b2, Classes))), "logits", TensorType.Of(TensorElementType.Float, "batch", Classes));
TrainingGraph mlp = TrainingGraphBuilder.Build(gb.ToModel(), new TrainingGraphOptions
{
    Loss = new CrossEntropyLoss("logits"),
    Trainables = ["W1", "b1", "W2", "b2"],
    Optimizer = new AdamWOptimizer(),
});
Console.WriteLine($"MLP train-step graph: {mlp.TrainStep.Graph.Nodes.Count} nodes");

double ortRate, ortLoss;
using (var trainer = new Trainer(mlp, new TrainerOptions { BatchSize = Batch, Schedule = new ConstantSchedule(1e-3), Session = session }))
{
    var source = new SequentialBatches(x, y, In, Batch);
    for (int s = 0; s < 20; s++)
    {
        source.Fill(trainer.Step, 0, trainer.Batch);
        trainer.TrainStep();
    }

    var clock = Stopwatch.StartNew();
    for (int s = 0; s < mlpSteps; s++)
    {
        source.Fill(trainer.Step, 0, trainer.Batch);
        trainer.TrainStep();
    }

    ortRate = mlpSteps / clock.Elapsed.TotalSeconds;
    ortLoss = trainer.LastLoss;
}

Console.WriteLine($"ORT engine   MLP 784-256-10 b{Batch} AdamW: {ortRate,8:F1} steps/s ({1000 / ortRate:F3} ms/step), loss after {20 + mlpSteps} steps {ortLoss:F4}");

if (!skipTorch && TorchUnavailable() is { } why)
{
    Console.WriteLine($"TorchSharp   not run: {why}");
    skipTorch = true;
}

if (!skipTorch)
{
    torch.set_num_threads(threads);
    using var xt = torch.tensor(x, [Rows, In]);
    using var yt = torch.tensor(y, [Rows]);
    var l1 = torch.nn.Linear(In, Hidden);
    var l2 = torch.nn.Linear(Hidden, Classes);
    using (torch.no_grad())
    {
        // same initial values; torch stores weights [out, in]
        l1.weight!.copy_(torch.tensor(w1, [In, Hidden]).t());
        l1.bias!.copy_(torch.tensor(b1, [Hidden]));
        l2.weight!.copy_(torch.tensor(w2, [Hidden, Classes]).t());
        l2.bias!.copy_(torch.tensor(b2, [Classes]));
    }

    var model = torch.nn.Sequential(("l1", l1), ("relu", torch.nn.ReLU()), ("l2", l2));
    var opt = torch.optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0);
    var ce = torch.nn.CrossEntropyLoss();
    int perEpoch = Rows / Batch;
    Tensor[] xb = [.. Enumerable.Range(0, perEpoch).Select(i => xt.narrow(0, i * Batch, Batch).contiguous())];
    Tensor[] yb = [.. Enumerable.Range(0, perEpoch).Select(i => yt.narrow(0, i * Batch, Batch).contiguous())];
    double TorchStep(long step)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        Tensor loss = ce.forward(model.forward(xb[step % perEpoch]), yb[step % perEpoch]);
        loss.backward();
        opt.step();
        return loss.item<float>();
    }

    double torchLoss = 0;
    for (long s = 0; s < 20; s++)
    {
        torchLoss = TorchStep(s);
    }

    var tclock = Stopwatch.StartNew();
    for (long s = 20; s < 20 + mlpSteps; s++)
    {
        torchLoss = TorchStep(s);
    }

    double torchRate = mlpSteps / tclock.Elapsed.TotalSeconds;
    Console.WriteLine($"TorchSharp   MLP 784-256-10 b{Batch} AdamW: {torchRate,8:F1} steps/s ({1000 / torchRate:F3} ms/step), loss after {20 + mlpSteps} steps {torchLoss:F4}");
    Console.WriteLine($"ratio ORT engine / TorchSharp-cpu: {ortRate / torchRate:F2}x");
}

// ---- MiniLM LoRA step: 36 adapters (r 8), MSE on last_hidden_state, seq 64, batch 16 ----------------------------------
if (!skipMiniLm)
{
    const int MBatch = 16, Seq = 64;
    OnnxModel miniLm = OnnxModelIO.Load(PretrainedModels.MiniLm().ModelPath);
    AdaptedModel lowRank = LowRankInitializer.Initialize(miniLm, new LowRankOptions { Method = LowRankMethod.Lora, Rank = 8, Alpha = 16, Seed = 1 });
    OnnxModel adapted = lowRank.Model;
    IReadOnlyList<AdapterGraphEntry> adapters = AdapterGraphEntry.Read(adapted);
    var build = Stopwatch.StartNew();
    TrainingGraph lora = TrainingGraphBuilder.Build(adapted, new TrainingGraphOptions
    {
        Loss = new MeanSquaredErrorLoss("last_hidden_state"),
        Trainables = [.. adapters.SelectMany(a => new[] { a.LoraA, a.LoraB })],
        Optimizer = new AdamWOptimizer(),
    });
    Console.WriteLine($"MiniLM LoRA train-step graph: {lora.TrainStep.Graph.Nodes.Count} nodes, {adapters.Count} adapters, built in {build.Elapsed.TotalSeconds:F1} s");
    var shapes = new Dictionary<string, long[]> { ["input_ids"] = [MBatch, Seq], ["attention_mask"] = [MBatch, Seq], ["token_type_ids"] = [MBatch, Seq], ["target"] = [MBatch, Seq, 384] };
    var create = Stopwatch.StartNew();
    using var trainer = new Trainer(lora, new TrainerOptions { BatchShapes = shapes, Schedule = new ConstantSchedule(1e-3), Session = session });
    Console.WriteLine($"session created in {create.Elapsed.TotalSeconds:F1} s on {trainer.Device}");
    var trng = new Random(2);
    Span<long> ids = trainer.Batch.Get<long>("input_ids");
    for (int i = 0; i < ids.Length; i++)
    {
        ids[i] = i % Seq == 0 ? 101 : trng.Next(1000, 30000);
    }

    trainer.Batch.Get<long>("attention_mask").Fill(1);
    Span<float> target = trainer.Batch.Get<float>("target");
    for (int i = 0; i < target.Length; i++)
    {
        target[i] = (float)(trng.NextDouble() - 0.5);
    }

    double first = trainer.TrainStep();
    trainer.TrainStep();
    var mclock = Stopwatch.StartNew();
    for (int s = 0; s < miniLmSteps; s++)
    {
        trainer.TrainStep();
    }

    double ms = mclock.Elapsed.TotalMilliseconds / miniLmSteps;
    Console.WriteLine($"ORT engine   MiniLM LoRA step (seq {Seq}, batch {MBatch}): {ms:F1} ms/step, loss {first:F4} -> {trainer.LastLoss:F4} over {miniLmSteps + 2} steps");
}

// TorchSharp's native library needs a recent libstdc++ (GLIBCXX_3.4.32, GCC 13); older distributions cannot load it.
static string? TorchUnavailable()
{
    try
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        return null;
    }
    catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
    {
        string message = (e.InnerException ?? e).Message;
        int cut = message.IndexOf('\n', StringComparison.Ordinal);
        return "libtorch could not load here (" + (cut > 0 ? message[..cut] : message).Trim() + "); TorchSharp 0.107.0's libLibTorchSharp.so needs GLIBCXX_3.4.32 (libstdc++ of GCC 13+).";
    }
}

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

string? Flag(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>Batches in file order (no shuffle), so both engines see the same sequence.</summary>
internal sealed class SequentialBatches(float[] x, long[] y, int width, int batch) : IBatchSource
{
    public void Fill(long step, long seed, TrainingBatch target)
    {
        int perEpoch = y.Length / batch;
        int start = (int)(step % perEpoch) * batch;
        x.AsSpan(start * width, batch * width).CopyTo(target.Get<float>("x"));
        y.AsSpan(start, batch).CopyTo(target.Get<long>("labels"));
    }
}
