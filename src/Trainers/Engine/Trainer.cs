using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers;

/// <summary>
/// Runs a <see cref="TrainingGraph"/> on ONNX Runtime. Parameters and optimizer state live in two sets of pinned
/// buffers; step k reads set k mod 2 and writes set (k+1) mod 2 through two prebuilt IOBindings (binding one buffer as
/// both input and output is unsafe: ORT may overwrite a parameter before every reader has used it). Batches are written
/// in place into pinned input buffers (<see cref="BatchInputMode.PinnedBuffers"/>), or bound per step from the caller's
/// values of any shape (<see cref="BatchInputMode.PerStepValues"/>). The graph's <see cref="TrainingGraph.ExtraOutputs"/>
/// go to CPU memory allocated by ORT and are copied out after each step (<see cref="GetOutput"/>). The eval session
/// (created on first use) binds the current parameter set, so it always sees the trained values without copies.
/// With <see cref="StateMemory.Device"/> (automatic on a GPU) both sets are allocated by ONNX Runtime in the train
/// session's device memory (<see cref="DeviceMemory"/>) and stay there: host copies happen only for checkpoints,
/// <see cref="GetState{T}"/>/<see cref="SetState{T}"/> and <see cref="ExportInferenceModel"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly OnnxSession _train;
    private OnnxSession? _eval;
    private readonly IStateBuffer[][] _state;
    private readonly DeviceMemory? _memory;
    private readonly Dictionary<string, StateBuffer> _batch;
    private readonly StateBuffer _lr;
    private readonly StateBuffer _stepValue;
    private readonly StateBuffer _loss;
    private readonly OrtIoBinding[] _bindings;
    private readonly RunOptions _runOptions = new();
    private readonly TrainingBatch _batchView;
    private readonly HashSet<string> _batchNames;
    private readonly Dictionary<string, OnnxTensor> _lastOutputs = new(StringComparer.Ordinal);
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
            // host state is allocated before the session (as it always was: the peak is lower); device state needs the
            // session's allocator, and Auto needs the device the session actually got
            bool hostFirst = Options.StateMemory == StateMemory.Host || (Options.StateMemory == StateMemory.Auto && Options.Session.Device is CpuDevice);
            _state = hostFirst ? HostState(graph, created) : [];

            _batch = new Dictionary<string, StateBuffer>(StringComparer.Ordinal);
            _batchNames = new HashSet<string>(graph.BatchInputs.Select(v => v.Name), StringComparer.Ordinal);
            foreach (ValueInfo input in Options.BatchInputs == BatchInputMode.PinnedBuffers ? graph.BatchInputs : [])
            {
                long[] shape = ResolveShape(input, Options);
                _batch[input.Name] = Track(created, new StateBuffer(input.Type!.ElementType, shape));
            }

            _lr = Track(created, new StateBuffer(graph.ElementType, []));
            _stepValue = Track(created, new StateBuffer(graph.ElementType, []));
            _loss = Track(created, new StateBuffer(graph.ElementType, []));
            _batchView = new TrainingBatch(_batch);
            if (Options.ShrinkArenaAfterStep)
            {
                _runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
            }

            // the serialized model (and whatever the caller dropped while building the graph) is garbage once ORT holds
            // the weights: collecting here, before the first step allocates activations, lowers the peak resident size
            ReleaseGarbage();
            _train = Track(created, OrtSessions.Create(graph.TrainStep, Options.Session));
            ReleaseGarbage();
            if (!hostFirst)
            {
                if (Options.StateMemory == StateMemory.Device || _train.Device is CudaDevice)
                {
                    _memory = Track(created, DeviceMemory.Create(_train));
                    _state = DeviceState(graph, _memory, created);
                }
                else
                {
                    _state = HostState(graph, created);
                }
            }

            StateMemory = _memory is null ? StateMemory.Host : StateMemory.Device;
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

    /// <summary>
    /// Gets or sets the multiplier of the schedule's rate, set by a <see cref="TrainingRun"/> with a
    /// <see cref="PlateauReduction"/> (recomputed from the epoch reports on resume, so never checkpointed); 1 otherwise.
    /// </summary>
    internal double LearningRateScale { get; set; } = 1;

    /// <summary>The loss of the last step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The pinned batch inputs: write the next batch here, then call <see cref="TrainStep()"/>.</summary>
    /// <exception cref="InvalidOperationException">The trainer runs in <see cref="BatchInputMode.PerStepValues"/> mode.</exception>
    public TrainingBatch Batch => Options.BatchInputs == BatchInputMode.PinnedBuffers
        ? _batchView
        : throw new InvalidOperationException("This trainer takes per-step batch values (BatchInputMode.PerStepValues); pass them to TrainStep(batch).");

    /// <summary>The device the train session runs on.</summary>
    public ExecutionDevice Device => _train.Device;

    /// <summary>Where the parameters and optimizer state live: <see cref="StateMemory.Host"/> or <see cref="StateMemory.Device"/> (never Auto).</summary>
    public StateMemory StateMemory { get; }

    /// <summary>The device memory holding the state (<see cref="StateMemory.Device"/>), else null; owned by this trainer.</summary>
    internal DeviceMemory? Memory => _memory;

    /// <summary>Runs one step on the current <see cref="Batch"/> with the schedule's rate and returns the loss.</summary>
    /// <exception cref="InvalidOperationException">The trainer runs in <see cref="BatchInputMode.PerStepValues"/> mode.</exception>
    public double TrainStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Options.BatchInputs != BatchInputMode.PinnedBuffers)
        {
            throw new InvalidOperationException("This trainer takes per-step batch values (BatchInputMode.PerStepValues); call TrainStep(batch).");
        }

        return Run();
    }

    /// <summary>
    /// Runs one step on <paramref name="batch"/> (one value per <see cref="TrainingGraph.BatchInputs"/> name, any shapes the
    /// graph accepts, e.g. a sequence length that changes per step) with the schedule's rate and returns the loss. The values
    /// are read during the call only; the caller keeps ownership. Parameters and optimizer state stay in the pinned ping-pong
    /// buffers.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trainer runs in <see cref="BatchInputMode.PinnedBuffers"/> mode.</exception>
    /// <exception cref="ArgumentException">A batch input is missing or an unknown name is given.</exception>
    public double TrainStep(IReadOnlyDictionary<string, OrtValue> batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        if (Options.BatchInputs != BatchInputMode.PerStepValues)
        {
            throw new InvalidOperationException("This trainer reads its pinned Batch buffers (BatchInputMode.PinnedBuffers); fill Batch and call TrainStep().");
        }

        foreach (string name in _batchNames)
        {
            if (!batch.ContainsKey(name))
            {
                throw new ArgumentException($"The batch has no value for input '{name}'; the train step needs {string.Join(", ", _batchNames)}.", nameof(batch));
            }
        }

        foreach (string name in batch.Keys)
        {
            if (!_batchNames.Contains(name))
            {
                throw new ArgumentException($"'{name}' is not a batch input of the train step; it needs {string.Join(", ", _batchNames)}.", nameof(batch));
            }
        }

        // every batch input is rebound each step, replacing this binding's value from two steps ago (never read again)
        OrtIoBinding binding = _bindings[_current];
        foreach ((string name, OrtValue value) in batch)
        {
            binding.BindInput(name, value);
        }

        return Run();
    }

    /// <summary>
    /// One train step on the batch inputs the step reads, taken from <paramref name="batch"/>; tensors it does not read
    /// (e.g. <c>token_type_ids</c> for an encoder without that input, or graph metadata) are left out.
    /// </summary>
    /// <param name="batch">The step's tensors (the caller keeps ownership).</param>
    /// <exception cref="ArgumentException">The batch lacks an input the step needs (named).</exception>
    public double TrainStep(TensorBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        string? missing = _batchNames.FirstOrDefault(n => !batch.Contains(n));
        if (missing is not null)
        {
            throw new ArgumentException($"The batch has no tensor '{missing}'; the train step needs {string.Join(", ", _batchNames)}.", nameof(batch));
        }

        return TrainStep(batch.GetValues(_batchNames));
    }

    /// <summary>
    /// A copy of extra output <paramref name="name"/> (<see cref="TrainingGraph.ExtraOutputs"/>) of the last step,
    /// computed with the parameters before that step's update.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such extra output, or no step has run yet.</exception>
    public OnnxTensor GetOutput(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _lastOutputs.TryGetValue(name, out OnnxTensor? t)
            ? t
            : throw new KeyNotFoundException(Graph.ExtraOutputs.Contains(name)
                ? $"No step has run yet; extra output '{name}' is available after TrainStep."
                : $"'{name}' is not an extra output of the train step; it has {(Graph.ExtraOutputs.Count == 0 ? "none" : string.Join(", ", Graph.ExtraOutputs))}.");
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
        IProgress<StepReport>? steps = progress is null ? null : new InlineProgress<StepReport>(r =>
        {
            if (r.Step % Options.ProgressInterval == 0 || r.Step == totalSteps)
            {
                progress.Report(new TrainingProgress(r.Step, r.TotalSteps, r.Outcome.Loss, r.LearningRate, r.StepsPerSecond, r.Eta));
            }
        });
        var run = new TrainingRunOptions { TotalSteps = totalSteps, StepsPerEpoch = (int)Math.Clamp(totalSteps, 1, int.MaxValue) };
        TrainingRun.Run(this, new BatchSourceTask(source), run, steps, cancellationToken: cancellationToken);
        return LastLoss;
    }

    private double Run()
    {
        double lr = Options.Schedule.At(Step) * LearningRateScale;
        _lr.WriteScalar(lr);
        _stepValue.WriteScalar(Step);
        OrtIoBinding binding = _bindings[_current];
        foreach (string extra in Graph.ExtraOutputs)
        {
            // rebound each step: after a run the binding holds the allocated value and would demand its shape next time
            binding.BindOutputToDevice(extra, OrtMemoryInfo.DefaultInstance);
        }

        _train.Session.RunWithBinding(_runOptions, binding);
        if (Graph.ExtraOutputs.Count > 0)
        {
            // outputs come back in binding order: loss, state, extras
            using IDisposableReadOnlyCollection<OrtValue> values = binding.GetOutputValues();
            int first = values.Count - Graph.ExtraOutputs.Count;
            for (int k = 0; k < Graph.ExtraOutputs.Count; k++)
            {
                _lastOutputs[Graph.ExtraOutputs[k]] = CopyOut(Graph.ExtraOutputs[k], values[first + k]);
            }
        }

        _current ^= 1;
        Step++;
        LastLoss = _loss.ReadScalar();
        return LastLoss;
    }

    private static OnnxTensor CopyOut(string name, OrtValue value)
    {
        OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
        return new OnnxTensor(name, (TensorElementType)(int)info.ElementDataType, info.Shape, value.GetTensorMutableRawData().ToArray());
    }

    /// <summary>
    /// Runs the eval model on the current <see cref="Batch"/> (its forward inputs) with the current parameters and returns
    /// the requested outputs (default: all) as arrays of <typeparamref name="T"/>.
    /// </summary>
    public IReadOnlyDictionary<string, T[]> Evaluate<T>(IReadOnlyList<string>? outputs = null)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _ = Batch; // throws in per-step mode, which has no batch to evaluate
        _eval ??= OrtSessions.Create(Graph.Eval, Options.Session);
        using OrtIoBinding b = _eval.Session.CreateIoBinding();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            if (Graph.State[i].Kind != StateKind.OptimizerSlot)
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

    /// <summary>A host copy of the current value of state tensor <paramref name="name"/> (a parameter or slot input name).</summary>
    public T[] GetState<T>(string name)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IStateBuffer buffer = CurrentBuffer(name);
        T[] values = new T[ElementCount<T>(name, buffer)];
        buffer.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Overwrites state tensor <paramref name="name"/> in the current set (a host → device copy for <see cref="StateMemory.Device"/>).</summary>
    public void SetState<T>(string name, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IStateBuffer buffer = CurrentBuffer(name);
        int count = ElementCount<T>(name, buffer);
        if (values.Length != count)
        {
            throw new ArgumentException($"State '{name}' has {count} elements, got {values.Length}.", nameof(values));
        }

        buffer.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    private static int ElementCount<T>(string name, IStateBuffer buffer)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return buffer.ByteLength % size == 0
            ? buffer.ByteLength / size
            : throw new ArgumentException($"State '{name}' is {buffer.ElementType} ({buffer.ByteLength} bytes), not a whole number of {typeof(T).Name} values.", nameof(name));
    }

    /// <summary>Writes a checkpoint atomically (see docs/formats/checkpoint.md).</summary>
    /// <param name="path">The file.</param>
    /// <param name="metadata">Notes the caller needs on resume (e.g. its loss history), returned by <see cref="LoadCheckpoint"/>.</param>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensors = new List<OnnxTensor>();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            IStateBuffer b = _state[_current][i];
            tensors.Add(new OnnxTensor(Graph.State[i].Input, b.ElementType, (long[])b.Shape.Clone(), b.ToArray()));
        }

        var notes = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["schedule"] = Options.Schedule.ToString(),
        };
        CheckpointFile.Save(new TrainingCheckpoint(Step, Options.Seed, tensors, notes), path);
    }

    /// <summary>Restores parameters, optimizer state, step and seed from a checkpoint written for the same graph.</summary>
    /// <returns>The checkpoint's metadata (the caller's notes and <c>schedule</c>).</returns>
    /// <exception cref="DataFormatException">The file is corrupt, of another version, or its tensors do not match the graph.</exception>
    public IReadOnlyDictionary<string, string> LoadCheckpoint(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TrainingCheckpoint c = CheckpointFile.Load(path);
        if (c.Seed != Options.Seed)
        {
            throw new PipelinesException(ErrorKind.Usage, $"Checkpoint '{path}' was written with seed {c.Seed}, this trainer uses {Options.Seed}; resuming would change the data order.");
        }

        var byName = c.State.ToDictionary(t => t.Name, StringComparer.Ordinal);
        for (int i = 0; i < Graph.State.Count; i++)
        {
            StateTensor s = Graph.State[i];
            if (!byName.TryGetValue(s.Input, out OnnxTensor? t))
            {
                throw new DataFormatException($"Checkpoint '{path}' has no tensor '{s.Input}'.");
            }

            // optimizer slots of element-wise optimizers were stored shaped like their parameter before they were flat:
            // the same elements in the same (row-major) order, so only the element count has to match
            bool sameShape = t.Dims.SequenceEqual(s.Initial.Dims) || (s.Kind == StateKind.OptimizerSlot && s.Initial.Dims.Length == 1 && t.ElementCount == s.Initial.ElementCount);
            if (t.ElementType != s.Initial.ElementType || !sameShape)
            {
                throw new DataFormatException($"Checkpoint tensor '{s.Input}' is {t.Type}, the graph expects {s.Initial.Type}.");
            }
        }

        for (int i = 0; i < Graph.State.Count; i++)
        {
            _state[_current][i].CopyFrom(byName[Graph.State[i].Input].RawData);
        }

        Step = c.Step;
        return c.Metadata;
    }

    /// <summary>The forward model with its trainable initializers and running statistics replaced by the current values: plain inference ONNX.</summary>
    public OnnxModel ExportInferenceModel()
    {
        OnnxModel model = Graph.Forward.Clone();
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        for (int i = 0; i < Graph.State.Count; i++)
        {
            if (Graph.State[i].Kind != StateKind.OptimizerSlot)
            {
                inits[Graph.State[i].Input].ReplaceData(_state[_current][i].ToArray());
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

        // every value before the memory that allocated it, the memory (its allocator) before the session it came from
        _eval?.Dispose();
        foreach (IStateBuffer b in _state.SelectMany(s => s).Concat(_batch.Values))
        {
            b.Dispose();
        }

        _memory?.Dispose();
        _train.Dispose();
        _lr.Dispose();
        _stepValue.Dispose();
        _loss.Dispose();

        _runOptions.Dispose();
    }

    private IStateBuffer CurrentBuffer(string name)
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

    // two pinned host sets; set 0 holds the initial values
    private static IStateBuffer[][] HostState(TrainingGraph graph, List<IDisposable> created)
    {
        var state = new IStateBuffer[2][];
        for (int s = 0; s < 2; s++)
        {
            state[s] = [.. graph.State.Select(t => Track(created, new StateBuffer(t.Initial.ElementType, t.Initial.Dims)))];
        }

        for (int i = 0; i < graph.State.Count; i++)
        {
            state[0][i].CopyFrom(graph.State[i].Initial.RawData);
        }

        return state;
    }

    // two sets in device memory; set 0 is uploaded from the initial values, set 1 is written by the first step before
    // anything reads it (every state tensor is a step output)
    private static IStateBuffer[][] DeviceState(TrainingGraph graph, DeviceMemory memory, List<IDisposable> created) =>
    [
        [.. graph.State.Select(t => (IStateBuffer)Track(created, new DeviceStateBuffer(memory.Allocate(t.Initial))))],
        [.. graph.State.Select(t => (IStateBuffer)Track(created, new DeviceStateBuffer(memory.Allocate(t.Initial.ElementType, t.Initial.Dims))))],
    ];

    private static void ReleaseGarbage()
    {
        // aggressive: compacts the large-object heap too and returns the freed regions to the system at once (a forced
        // collection keeps them committed and resident for reuse, about 150 MB after a MiniLM graph build)
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
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

/// <summary>An <see cref="IBatchSource"/> as a <see cref="TrainingRun"/> task: fills the pinned batch, no validation.</summary>
internal sealed class BatchSourceTask(IBatchSource source) : ITrainingTask
{
    public StepOutcome TrainStep(Trainer trainer, long step)
    {
        source.Fill(step, trainer.Options.Seed, trainer.Batch);
        return new StepOutcome(trainer.TrainStep(), 1, double.NaN);
    }

    public double? Evaluate(Trainer trainer, int epoch) => null;
}

/// <summary>Calls an action inline (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
