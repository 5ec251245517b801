using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// <see cref="StateMemory.Device"/> on the CPU: parameters and optimizer state allocated by the train session's allocator
/// and reached only through host copies, the code path a CUDA session takes. It must not change a single bit.
/// </summary>
public class DeviceStateTests
{
    public static TheoryData<string> Optimizers => ["adamw", "adamw8bit", "stable-spam"];

    private static TrainerOptions Options(StateMemory memory) => new()
    {
        BatchSize = 32,
        Seed = 9,
        Schedule = new WarmupStableDecaySchedule(0.01, 5, 20, 30),
        StateMemory = memory,
    };

    private static TrainingGraph Graph(string optimizer)
    {
        OptimizerKinds.TryParse(optimizer, out OptimizerKind kind);
        return TrainerTests.SpiralGraph(OptimizerKinds.Create(kind, 0.9, 0.999, 1e-8, 0.01, orthogonalGradient: false), clip: 1.0);
    }

    private static byte[][] State(Trainer t) => [.. t.Graph.State.Select(s => Bytes(t, s))];

    private static byte[] Bytes(Trainer t, StateTensor s) => s.Initial.ElementType switch
    {
        TensorElementType.UInt8 => t.GetState<byte>(s.Input),
        _ => MemoryMarshal.AsBytes(t.GetState<float>(s.Input).AsSpan()).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void DeviceState_OnCpu_IsBitIdenticalToHostState(string optimizer)
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        TrainingGraph graph = Graph(optimizer);
        double[] Losses(Trainer t)
        {
            var source = TrainerTests.SpiralSource(x, y);
            return [.. Enumerable.Range(0, 40).Select(step =>
            {
                source.Fill(step, t.Options.Seed, t.Batch);
                return t.TrainStep();
            })];
        }

        using var host = new Trainer(graph, Options(StateMemory.Host));
        using var device = new Trainer(graph, Options(StateMemory.Device));
        Assert.Equal(StateMemory.Host, host.StateMemory);
        Assert.Equal(StateMemory.Device, device.StateMemory);
        Assert.Null(host.Memory);
        Assert.Equal("Cpu", device.Memory!.MemoryName);

        Assert.Equal(Losses(host), Losses(device));
        byte[][] a = State(host), b = State(device);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"{optimizer}: state '{graph.State[i].Input}' differs");
        }

        // evaluation binds the current device set; export copies it to the host
        x.AsSpan(0, 64).CopyTo(host.Batch.Get<float>("x"));
        x.AsSpan(0, 64).CopyTo(device.Batch.Get<float>("x"));
        Assert.Equal(host.Evaluate<float>()["logits"], device.Evaluate<float>()["logits"]);
        OnnxModel he = host.ExportInferenceModel(), de = device.ExportInferenceModel();
        foreach (OnnxTensor t in he.Graph.Initializers)
        {
            Assert.Equal(t.RawData.ToArray(), de.Graph.FindInitializer(t.Name)!.RawData.ToArray());
        }
    }

    [Fact]
    public void Auto_OnCpu_KeepsHostState()
    {
        using var trainer = new Trainer(Graph("adamw"), Options(StateMemory.Auto));
        Assert.Equal(StateMemory.Host, trainer.StateMemory);
        Assert.Equal(TrainerOptions.Defaults.StateMemory, new TrainerOptions().StateMemory);
        Assert.Equal(StateMemory.Auto, TrainerOptions.Defaults.StateMemory);
    }

    [Theory]
    [InlineData(StateMemory.Device, StateMemory.Device)]
    [InlineData(StateMemory.Device, StateMemory.Host)]
    [InlineData(StateMemory.Host, StateMemory.Device)]
    public void Resume_AcrossPlacements_IsBitIdenticalToUninterruptedRun(StateMemory first, StateMemory second)
    {
        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        TrainingGraph graph = Graph("adamw8bit");
        const int Total = 50, Interrupt = 17;
        byte[][] uninterrupted;
        using (var a = new Trainer(graph, Options(StateMemory.Host)))
        {
            a.Fit(TrainerTests.SpiralSource(x, y), Total);
            uninterrupted = State(a);
        }

        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "run.ckpt");
        using (var b = new Trainer(graph, Options(first)))
        {
            b.Fit(TrainerTests.SpiralSource(x, y), Interrupt);
            b.SaveCheckpoint(path);
        }

        using var c = new Trainer(graph, Options(second));
        c.LoadCheckpoint(path);
        c.Fit(TrainerTests.SpiralSource(x, y), Total);
        byte[][] resumed = State(c);
        for (int i = 0; i < resumed.Length; i++)
        {
            Assert.True(uninterrupted[i].AsSpan().SequenceEqual(resumed[i]), $"state '{graph.State[i].Input}' differs after {first} → {second} resume");
        }
    }

    [Fact]
    public void SetState_WritesThroughToDeviceMemory()
    {
        using var trainer = new Trainer(Graph("adamw"), Options(StateMemory.Device));
        float[] w = [.. Enumerable.Range(0, 128).Select(i => i * 0.25f)];
        trainer.SetState<float>("W1", w);
        Assert.Equal(w, trainer.GetState<float>("W1"));
        var e = Assert.Throws<ArgumentException>(() => trainer.SetState<float>("W1", new float[3]));
        Assert.Contains("128 elements", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_ReleasesEveryDeviceTensorThenTheMemory()
    {
        TrainingGraph graph = Graph("adamw");
        var trainer = new Trainer(graph, Options(StateMemory.Device));
        DeviceMemory memory = trainer.Memory!;
        Assert.Equal(2 * graph.State.Count, memory.LiveTensors);
        trainer.Dispose();
        Assert.True(memory.IsDisposed);
        Assert.Equal(0, memory.LiveTensors);
        trainer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => trainer.GetState<float>("W1"));
    }

    [Fact]
    public void DeviceState_WithACudaSessionThatCannotStart_IsATypedErrorNamingTheProvider()
    {
        TrainerOptions options = Options(StateMemory.Device) with { Session = SessionSettings.Default with { Device = ExecutionDevice.Cuda(0) } };
        var e = Assert.Throws<DeviceUnavailableException>(() => new Trainer(Graph("adamw"), options));
        Assert.Contains("CUDAExecutionProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PerStepValues_WithExtraOutputs_AreBitIdentical()
    {
        (float[] x, long[] y) = TrainingData.Spirals(20, seed: 3);
        TrainingGraph graph = TrainingGraphBuilder.Build(TrainingData.Mlp(2, 16, 3, seed: 7), new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss("logits"),
            Trainables = ["W1", "b1", "W2", "b2"],
            Optimizer = new AdamWOptimizer { WeightDecay = 0.01 },
            ExtraOutputs = ["logits"],
        });
        (double[] Losses, byte[] Logits, byte[][] State) Run(StateMemory memory)
        {
            using var t = new Trainer(graph, Options(memory) with { BatchInputs = BatchInputMode.PerStepValues });
            var losses = new List<double>();
            int offset = 0;
            foreach (int size in new[] { 3, 5, 8, 2 })
            {
                using var xv = OrtValue.CreateTensorValueFromMemory(x[(offset * 2)..((offset + size) * 2)], [size, 2]);
                using var yv = OrtValue.CreateTensorValueFromMemory(y[offset..(offset + size)], [size]);
                losses.Add(t.TrainStep(new Dictionary<string, OrtValue> { ["x"] = xv, ["labels"] = yv }));
                offset += size;
            }

            return (losses.ToArray(), t.GetOutput("logits").RawData.ToArray(), State(t));
        }

        var host = Run(StateMemory.Host);
        var device = Run(StateMemory.Device);
        Assert.Equal(host.Losses, device.Losses);
        Assert.Equal(host.Logits, device.Logits);
        Assert.Equal(host.State, device.State);
    }

    /// <summary>
    /// The CUDA checks of docs/cuda-device-state.md. Returns at once where no CUDA session can start (every CPU host,
    /// CI included) unless PIPELINES_REQUIRE_CUDA=1, which turns that into a failure so a GPU run cannot pass vacuously.
    /// </summary>
    [Fact]
    public void OnCuda_DeviceStateIsResident_MatchesHostStateAndCpu_AndResumesBitIdentically()
    {
        var cuda = SessionSettings.Default with { Device = ExecutionDevice.Cuda(0) };
        try
        {
            using OnnxSession probe = OrtSessions.Create(TinyModels.Mlp(seed: 1), cuda);
        }
        catch (DeviceUnavailableException e)
        {
            Assert.False(Environment.GetEnvironmentVariable("PIPELINES_REQUIRE_CUDA") == "1", "PIPELINES_REQUIRE_CUDA=1 but CUDA cannot start: " + e.Message);
            return;
        }

        (float[] x, long[] y) = TrainingData.Spirals(100, seed: 4);
        foreach (string optimizer in new[] { "adamw", "adamw8bit" })
        {
            TrainingGraph graph = Graph(optimizer);
            double[] Run(TrainerOptions options, out byte[][] state)
            {
                using var t = new Trainer(graph, options);
                var source = TrainerTests.SpiralSource(x, y);
                double[] losses = [.. Enumerable.Range(0, 30).Select(step =>
                {
                    source.Fill(step, t.Options.Seed, t.Batch);
                    return t.TrainStep();
                })];
                state = State(t);
                return losses;
            }

            using (var auto = new Trainer(graph, Options(StateMemory.Auto) with { Session = cuda }))
            {
                Assert.Equal(StateMemory.Device, auto.StateMemory);
                Assert.Equal("Cuda", auto.Memory!.MemoryName);
                Assert.Equal("CUDAExecutionProvider", auto.Memory.Provider);
            }

            double[] resident = Run(Options(StateMemory.Device) with { Session = cuda }, out byte[][] residentState);
            double[] hostOnCuda = Run(Options(StateMemory.Host) with { Session = cuda }, out _);
            double[] cpu = Run(Options(StateMemory.Host), out _);
            double worstHost = resident.Zip(hostOnCuda).Max(p => Math.Abs(p.First - p.Second));
            double worstCpu = resident.Zip(cpu).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worstHost <= 1e-6, $"{optimizer}: CUDA resident vs CUDA host state, max |Δloss| {worstHost:G3} over 30 steps");
            Assert.True(worstCpu <= 1e-3, $"{optimizer}: CUDA resident vs CPU, max |Δloss| {worstCpu:G3} over 30 steps");

            // interrupted at step 11 on CUDA, resumed on CUDA from the checkpoint
            using var dir = new TempDirectory();
            string path = Path.Combine(dir.Path, "cuda.ckpt");
            TrainerOptions resident30 = Options(StateMemory.Device) with { Session = cuda };
            using (var b = new Trainer(graph, resident30))
            {
                b.Fit(TrainerTests.SpiralSource(x, y), 11);
                b.SaveCheckpoint(path);
            }

            using var c = new Trainer(graph, resident30);
            c.LoadCheckpoint(path);
            c.Fit(TrainerTests.SpiralSource(x, y), 30);
            byte[][] resumed = State(c);
            int differing = Enumerable.Range(0, resumed.Length).Count(i => !resumed[i].AsSpan().SequenceEqual(residentState[i]));
            Assert.True(differing == 0, $"{optimizer}: {differing} of {resumed.Length} state tensors differ after a CUDA resume");
        }
    }

    [Fact]
    public void FineTuning_WithDeviceState_InterruptedAndResumedOnHost_EqualsTheHostRun()
    {
        using var task = new TextClassification.TinyTextTask();
        using var dir = new TempDirectory();
        IReadOnlyList<LabeledSentence> train = TextClassification.TinyTextTask.Sentences(64, seed: 1);
        var options = new FineTuneOptions
        {
            Method = LowRankMethod.Lora,
            Rank = 2,
            LearningRate = 5e-2f,
            HeadLearningRate = 5e-2f,
            BatchSize = 16,
            MaxLength = 8,
            MaxSteps = 8,
            CheckpointEvery = 3,
            Optimizer = OptimizerKind.AdamW8Bit,
            Seed = 11,
            StateMemory = StateMemory.Host,
        };
        FineTuneResult reference = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, options);

        FineTuneOptions device = options with { CheckpointDirectory = dir.Path, StateMemory = StateMemory.Device };
        using var cts = new CancellationTokenSource();
        var stopAtFour = new InlineProgress<FineTuneProgress>(p =>
        {
            if (p.Step == 4)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, device, stopAtFour, cts.Token));
        FineTuneResult resumed = TextClassifierFineTuning.Train(task.Encoder, task.Tokenizer, train, null, device with { StateMemory = StateMemory.Host });

        Assert.Equal(reference.Losses, resumed.Losses);
        Assert.Equal(reference.OptimizerStateBytes, resumed.OptimizerStateBytes);
        foreach (string name in FineTuneModels.Trainables(reference.Classifier, LowRankMethod.Lora))
        {
            Assert.Equal(reference.Classifier.Graph.FindInitializer(name)!.RawData.ToArray(), resumed.Classifier.Graph.FindInitializer(name)!.RawData.ToArray());
        }
    }
}
