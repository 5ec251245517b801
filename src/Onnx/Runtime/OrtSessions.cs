using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// The one place that creates ONNX Runtime sessions: device choice with clear errors, threads, optimisation level.
/// </summary>
public static class OrtSessions
{
    /// <summary>
    /// The environment variable that turns on ORT's per-op profiler for every session this process creates (the value
    /// is the JSON files' path prefix), for sessions a caller cannot configure, such as a trainer's train step.
    /// <see cref="SessionSettings.ProfilePrefix"/> wins where set.
    /// </summary>
    public const string ProfileVariable = "PIPELINES_ORT_PROFILE";

    // arena_extend_strategy 1 = kSameAsRequested; 0 = defaults for the other fields
    private static readonly Lazy<bool> s_exactArena = new(() =>
    {
        using var config = new OrtArenaCfg(0, 1, -1, -1);
        OrtEnv.Instance().CreateAndRegisterAllocator(OrtMemoryInfo.DefaultInstance, config);
        return true;
    });

    /// <summary>Creates a session for an in-memory model.</summary>
    public static OnnxSession Create(OnnxModel model, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(OnnxModelIO.ToBytes(model), settings);
    }

    /// <summary>Creates a session for a model file (external data resolved beside it).</summary>
    public static OnnxSession Create(string path, SessionSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model file '{path}' does not exist.", path);
        }

        return CreateCore(settings ?? SessionSettings.Default, options => new InferenceSession(path, options), path);
    }

    /// <summary>Creates a session for serialized model bytes.</summary>
    public static OnnxSession Create(byte[] modelBytes, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        return CreateCore(settings ?? SessionSettings.Default, options => new InferenceSession(modelBytes, options), "<in-memory model>");
    }

    /// <summary>Builds the session options for <paramref name="settings"/> (the caller owns the result).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="warning">Set when <see cref="AutoDevice"/> fell back to the CPU, saying why.</param>
    /// <param name="device">The device actually used.</param>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for explicitly and cannot work here.</exception>
    public static SessionOptions CreateOptions(SessionSettings settings, out string? warning, out ExecutionDevice device)
    {
        ArgumentNullException.ThrowIfNull(settings);
        warning = null;
        device = ExecutionDevice.Cpu;
        var options = new SessionOptions();
        try
        {
            options.GraphOptimizationLevel = settings.Optimization switch
            {
                GraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            options.IntraOpNumThreads = settings.IntraOpThreads;
            options.InterOpNumThreads = settings.InterOpThreads;
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            options.EnableCpuMemArena = settings.CpuMemoryArena;
            options.EnableMemoryPattern = settings.MemoryPattern;
            if (settings.ExactArenaGrowth && settings.CpuMemoryArena)
            {
                _ = s_exactArena.Value;
                options.AddSessionConfigEntry("session.use_env_allocators", "1");
            }

            if (!settings.PrepackWeights)
            {
                options.AddSessionConfigEntry("session.disable_prepacking", "1");
            }

            // PIPELINES_ORT_PROFILE=<prefix> profiles every session of the process (trainers build theirs internally)
            string? profile = settings.ProfilePrefix ?? Environment.GetEnvironmentVariable(ProfileVariable);
            if (!string.IsNullOrEmpty(profile))
            {
                options.ProfileOutputPathPrefix = profile; // before EnableProfiling, which passes the prefix to ORT
                options.EnableProfiling = true;
            }

            if (settings.OptimizedModelPath is not null)
            {
                options.OptimizedModelFilePath = settings.OptimizedModelPath;
            }

            foreach (KeyValuePair<string, string> kv in settings.ConfigEntries)
            {
                options.AddSessionConfigEntry(kv.Key, kv.Value);
            }

            switch (settings.Device)
            {
                case CudaDevice cuda:
                    AppendCuda(options, cuda.DeviceId);
                    device = cuda;
                    break;
                case AutoDevice auto:
                    try
                    {
                        AppendCuda(options, auto.DeviceId);
                        device = ExecutionDevice.Cuda(auto.DeviceId);
                    }
                    catch (DeviceUnavailableException e)
                    {
                        warning = $"CUDA unavailable, running on CPU: {e.Message}";
                        options.Dispose();
                        SessionSettings cpu = settings with { Device = ExecutionDevice.Cpu };
                        return CreateOptions(cpu, out _, out device);
                    }

                    break;
                default:
                    break;
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void AppendCuda(SessionOptions options, int deviceId)
    {
        try
        {
            options.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new DeviceUnavailableException(
                "the CUDA execution provider (CUDAExecutionProvider) is not in this build: it carries the CPU-only ONNX Runtime natives (package Microsoft.ML.OnnxRuntime); " +
                "rebuild with -p:OrtGpu=true to use Microsoft.ML.OnnxRuntime.Gpu.Linux (CUDA 13, cuDNN 9), or use --device cpu.", e);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DeviceUnavailableException(
                $"the CUDA execution provider (CUDAExecutionProvider) could not start on GPU {deviceId} ({e.Message.Trim()}). " +
                "It needs an NVIDIA driver, the CUDA 13 runtime (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10) " +
                "and cuDNN 9 on the library path; or use --device cpu.", e);
        }
    }

    private static OnnxSession CreateCore(SessionSettings settings, Func<SessionOptions, InferenceSession> factory, string source)
    {
        SessionOptions options = CreateOptions(settings, out string? warning, out ExecutionDevice device);
        try
        {
            InferenceSession session;
            try
            {
                session = factory(options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxGraphException($"ONNX Runtime rejected {source}: {e.Message.Trim()}", e);
            }

            return new OnnxSession(session, options, device, warning);
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
