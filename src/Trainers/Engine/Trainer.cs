using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers;

/// <summary>
/// Runs a <see cref="TrainingGraph"/> on ONNX Runtime. Parameters and optimizer state live in two sets of pinned
/// buffers; step k reads set k mod 2 and writes set (k+1) mod 2 through two prebuilt IOBindings (binding one buffer as
/// both input and output is unsafe: ORT may overwrite a parameter before every reader has used it). Batches are written
/// in place into pinned input buffers. The eval session (created on first use) binds the current parameter set, so it always sees the
/// trained values without copies.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly OnnxSession _train;
    private OnnxSession? _eval;
    private readonly StateBuffer[][] _state;
    private readonly Dictionary<string, StateBuffer> _batch;
    private readonly StateBuffer _lr;
    private readonly StateBuffer _stepValue;
    private readonly StateBuffer _loss;
    private readonly OrtIoBinding[] _bindings;
    private readonly RunOptions _runOptions = new();
    private int _current;
    private bool _disposed;

    /// <summary>Creates the sessions and buffers; parameters start at the graph's initial values, slots at zero.</summary>
    public Trainer(TrainingGraph graph, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Options = options ?? new TrainerOptions();
        var created = new List<IDisposable>();
        try
        {
            _state = new StateBuffer[2][];
            for (int s = 0; s < 2; s++)
            {
                _state[s] = [.. graph.State.Select(t => Track(created, new StateBuffer(t.Initial.ElementType, t.Initial.Dims)))];
            }

            for (int i = 0; i < graph.State.Count; i++)
            {
                graph.State[i].Initial.RawData.CopyTo(_state[0][i].Raw);
            }

            _batch = new Dictionary<string, StateBuffer>(StringComparer.Ordinal);
            foreach (ValueInfo input in graph.BatchInputs)
            {
                long[] shape = ResolveShape(input, Options);
                _batch[input.Name] = Track(created, new StateBuffer(input.Type!.ElementType, shape));
            }

            _lr = Track(created, new StateBuffer(graph.ElementType, []));
            _stepValue = Track(created, new StateBuffer(graph.ElementType, []));
            _loss = Track(created, new StateBuffer(graph.ElementType, []));
            Batch = new TrainingBatch(_batch);

            _train = Track(created, OrtSessions.Create(graph.TrainStep, Options.Session));
            _bindings = new OrtIoBinding[2];
            for (int s = 0; s < 2; s++)
            {
                OrtIoBinding b = Track(created, _train.Session.CreateIoBinding());
                for (int i = 0; i < graph.State.Count; i++)
                {
                    b.BindInput(graph.State[i].Input, _state[s][i].Value);
                    b.BindOutput(graph.State[i].Output, _state[1 - s][i].Value);
                }

                foreach (KeyValuePair<string, StateBuffer> kv in _batch)
                {
                    b.BindInput(kv.Key, kv.Value.Value);
                }

                b.BindInput(graph.LearningRateInput, _lr.Value);
                b.BindInput(graph.StepInput, _stepValue.Value);
                b.BindOutput(graph.LossOutput, _loss.Value);
                _bindings[s] = b;
            }
        }
        catch
        {
            _runOptions.Dispose();
            for (int i = created.Count - 1; i >= 0; i--)
            {
                created[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>The graph being trained.</summary>
    public TrainingGraph Graph { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Steps taken so far.</summary>
    public long Step { get; private set; }

    /// <summary>The loss of the last step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The pinned batch inputs: write the next batch here, then call <see cref="TrainStep"/>.</summary>
    public TrainingBatch Batch { get; }

    /// <summary>The device the train session runs on.</summary>
    public ExecutionDevice Device => _train.Device;

    /// <summary>Runs one step on the current <see cref="Batch"/> with the schedule's rate and returns the loss.</summary>
    public double TrainStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        double lr = Options.Schedule.At(Step);
        _lr.WriteScalar(lr);
        _stepValue.WriteScalar(Step);
        _train.Session.RunWithBinding(_runOptions, _bindings[_current]);
        _current ^= 1;
        Step++;
        LastLoss = _loss.ReadScalar();
        return LastLoss;
    }

    /// <summary>
    /// Trains until <see cref="Step"/> reaches <paramref name="totalSteps"/>, filling each batch from
    /// <paramref name="source"/> with the step index and <see cref="TrainerOptions.Seed"/>, reporting every
    /// <see cref="TrainerOptions.ProgressInterval"/> steps and at the end.
    /// </summary>
    /// <returns>The loss of the last step.</returns>
    public double Fit(IBatchSource source, long totalSteps, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        long start = Step;
        var clock = Stopwatch.StartNew();
        while (Step < totalSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            source.Fill(Step, Options.Seed, Batch);
            double loss = TrainStep();
            if (!double.IsFinite(loss))
            {
                throw new InvalidOperationException($"The loss became {loss} at step {Step}; lower the learning rate or enable gradient clipping.");
            }

            if (progress is not null && (Step % Options.ProgressInterval == 0 || Step == totalSteps))
            {
                double rate = (Step - start) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds((totalSteps - Step) / Math.Max(rate, 1e-9));
                progress.Report(new TrainingProgress(Step, totalSteps, loss, Options.Schedule.At(Step - 1), rate, eta));
            }
        }

        return LastLoss;
    }

    /// <summary>
    /// Runs the eval model on the current <see cref="Batch"/> (its forward inputs) with the current parameters and returns
    /// the requested outputs (default: all) as arrays of <typeparamref name="T"/>.
    /// </summary>
    public IReadOnlyDictionary<string, T[]> Evaluate<T>(IReadOnlyList<string>? outputs = null)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _eval ??= OrtSessions.Create(Graph.Eval, Options.Session);
        using OrtIoBinding b = _eval.Session.CreateIoBinding();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            if (Graph.State[i].Kind == StateKind.Parameter)
            {
                b.BindInput(Graph.State[i].Input, _state[_current][i].Value);
            }
        }

        foreach (ValueInfo input in Graph.EvalInputs)
        {
            b.BindInput(input.Name, _batch[input.Name].Value);
        }

        IReadOnlyList<string> names = outputs ?? _eval.Session.OutputNames;
        foreach (string name in names)
        {
            b.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
        }

        _eval.Session.RunWithBinding(_runOptions, b);
        using IDisposableReadOnlyCollection<OrtValue> values = b.GetOutputValues();
        var result = new Dictionary<string, T[]>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            result[names[i]] = values[i].GetTensorDataAsSpan<T>().ToArray();
        }

        return result;
    }

    /// <summary>A copy of the current value of state tensor <paramref name="name"/> (a parameter or slot input name).</summary>
    public T[] GetState<T>(string name)
        where T : unmanaged => CurrentBuffer(name).As<T>().ToArray();

    /// <summary>Overwrites state tensor <paramref name="name"/> in the current set.</summary>
    public void SetState<T>(string name, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        Span<T> target = CurrentBuffer(name).As<T>();
        if (values.Length != target.Length)
        {
            throw new ArgumentException($"State '{name}' has {target.Length} elements, got {values.Length}.", nameof(values));
        }

        values.CopyTo(target);
    }

    /// <summary>Writes a checkpoint atomically (see docs/formats/checkpoint.md).</summary>
    public void SaveCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensors = new List<OnnxTensor>();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            StateBuffer b = _state[_current][i];
            tensors.Add(new OnnxTensor(Graph.State[i].Input, b.ElementType, (long[])b.Shape.Clone(), b.Raw.ToArray()));
        }

        var checkpoint = new TrainingCheckpoint(Step, Options.Seed, tensors, new Dictionary<string, string>
        {
            ["schedule"] = Options.Schedule.ToString(),
        });
        CheckpointFile.Save(checkpoint, path);
    }

    /// <summary>Restores parameters, optimizer state, step and seed from a checkpoint written for the same graph.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt, of another version, or its tensors do not match the graph.</exception>
    public void LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TrainingCheckpoint c = CheckpointFile.Load(path);
        if (c.Seed != Options.Seed)
        {
            throw new InvalidDataException($"Checkpoint '{path}' was written with seed {c.Seed}, this trainer uses {Options.Seed}; resuming would change the data order.");
        }

        var byName = c.State.ToDictionary(t => t.Name, StringComparer.Ordinal);
        for (int i = 0; i < Graph.State.Count; i++)
        {
            StateTensor s = Graph.State[i];
            if (!byName.TryGetValue(s.Input, out OnnxTensor? t))
            {
                throw new InvalidDataException($"Checkpoint '{path}' has no tensor '{s.Input}'.");
            }

            if (t.ElementType != s.Initial.ElementType || !t.Dims.SequenceEqual(s.Initial.Dims))
            {
                throw new InvalidDataException($"Checkpoint tensor '{s.Input}' is {t.Type}, the graph expects {s.Initial.Type}.");
            }
        }

        for (int i = 0; i < Graph.State.Count; i++)
        {
            byName[Graph.State[i].Input].RawData.CopyTo(_state[_current][i].Raw);
        }

        Step = c.Step;
    }

    /// <summary>The forward model with its trainable initializers replaced by the current values: plain inference ONNX.</summary>
    public OnnxModel ExportInferenceModel()
    {
        OnnxModel model = Graph.Forward.Clone();
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            if (Graph.State[i].Kind == StateKind.Parameter)
            {
                inits[Graph.State[i].Input].ReplaceData(_state[_current][i].Raw.ToArray());
            }
        }

        return model;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (OrtIoBinding b in _bindings)
        {
            b.Dispose();
        }

        _train.Dispose();
        _eval?.Dispose();
        foreach (StateBuffer b in _state.SelectMany(s => s).Concat(_batch.Values))
        {
            b.Dispose();
        }

        _lr.Dispose();
        _stepValue.Dispose();
        _loss.Dispose();

        _runOptions.Dispose();
    }

    private StateBuffer CurrentBuffer(string name)
    {
        for (int i = 0; i < Graph.State.Count; i++)
        {
            if (Graph.State[i].Input == name)
            {
                return _state[_current][i];
            }
        }

        throw new KeyNotFoundException($"No state tensor '{name}'.");
    }

    private static T Track<T>(List<IDisposable> created, T item)
        where T : IDisposable
    {
        created.Add(item);
        return item;
    }

    private static long[] ResolveShape(ValueInfo input, TrainerOptions options)
    {
        if (options.BatchShapes.TryGetValue(input.Name, out long[]? shape))
        {
            return shape;
        }

        if (input.Type?.Shape is not { } dims)
        {
            throw new ArgumentException($"Batch input '{input.Name}' has no declared shape; give it in TrainerOptions.BatchShapes.");
        }

        var result = new long[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i].IsFixed)
            {
                result[i] = dims[i].Value!.Value;
            }
            else if (i == 0)
            {
                result[i] = options.BatchSize;
            }
            else
            {
                throw new ArgumentException($"Batch input '{input.Name}' has symbolic dim {i} ('{dims[i]}'); give its shape in TrainerOptions.BatchShapes.");
            }
        }

        return result;
    }
}
