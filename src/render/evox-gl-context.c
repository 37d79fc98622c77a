/* evox-gl-context.c: a headless OpenGL 3.3 core context on Mesa's surfaceless EGL platform. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-gl-context.h"

#include <epoxy/egl.h>

#include "evox-types.h"

struct _EvoxGlContext
{
  EGLDisplay display;
  EGLContext context;
};

/* Mesa hands out one EGLDisplay per platform and does not count eglInitialize calls, so
 * terminating it while another headless context lives would pull the rug from under that one. */
G_LOCK_DEFINE_STATIC (displays);
static EGLDisplay shared_display = EGL_NO_DISPLAY;
static guint shared_users;

static const char *
egl_error_string (EGLint code)
{
  switch (code)
    {
    case EGL_SUCCESS: return "no error";
    case EGL_NOT_INITIALIZED: return "EGL is not initialised";
    case EGL_BAD_ACCESS: return "resource in use";
    case EGL_BAD_ALLOC: return "out of memory";
    case EGL_BAD_ATTRIBUTE: return "bad attribute";
    case EGL_BAD_CONFIG: return "bad config";
    case EGL_BAD_CONTEXT: return "bad context";
    case EGL_BAD_DISPLAY: return "bad display";
    case EGL_BAD_MATCH: return "the driver cannot give what was asked (bad match)";
    case EGL_BAD_PARAMETER: return "bad parameter";
    case EGL_BAD_SURFACE: return "bad surface";
    case EGL_CONTEXT_LOST: return "context lost";
    default: return "unknown EGL error";
    }
}

static void
release_display (void)
{
  G_LOCK (displays);
  g_assert (shared_users > 0);
  if (--shared_users == 0)
    {
      eglTerminate (shared_display);
      shared_display = EGL_NO_DISPLAY;
    }
  G_UNLOCK (displays);
}

/* The first GPU device, for drivers without the surfaceless platform. */
static EGLDisplay
get_device_display (void)
{
  EGLDeviceEXT devices[8];
  EGLint n = 0;

  if (!epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_platform_device") ||
      !epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_device_enumeration"))
    return EGL_NO_DISPLAY;
  if (!eglQueryDevicesEXT (G_N_ELEMENTS (devices), devices, &n) || n < 1)
    return EGL_NO_DISPLAY;
  return eglGetPlatformDisplayEXT (EGL_PLATFORM_DEVICE_EXT, devices[0], NULL);
}

static EGLDisplay
acquire_display (GError **error)
{
  EGLDisplay display;
  EGLint major, minor;

  G_LOCK (displays);
  if (shared_users > 0)
    {
      shared_users++;
      display = shared_display;
      G_UNLOCK (displays);
      return display;
    }

  /* NULL asks for the client extensions, which is where platforms are listed. Mesa's
   * surfaceless platform first; the device platform (NVIDIA's drivers on servers offer only
   * that) where it is missing. */
  if (!epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_platform_base"))
    display = EGL_NO_DISPLAY;
  else if (epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless"))
    display = eglGetPlatformDisplayEXT (EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
  else
    display = get_device_display ();

  if (display == EGL_NO_DISPLAY)
    {
      G_UNLOCK (displays);
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                           "Cannot draw without a display: this system's EGL offers neither "
                           "Mesa's surfaceless platform (EGL_MESA_platform_surfaceless) nor a "
                           "GPU device (EGL_EXT_platform_device)");
      return EGL_NO_DISPLAY;
    }
  if (!eglInitialize (display, &major, &minor))
    {
      G_UNLOCK (displays);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "Cannot open the headless EGL display: %s", egl_error_string (eglGetError ()));
      return EGL_NO_DISPLAY;
    }
  g_debug ("headless EGL %d.%d: %s", major, minor, eglQueryString (display, EGL_VENDOR));

  shared_display = display;
  shared_users = 1;
  G_UNLOCK (displays);
  return display;
}

static gboolean
choose_config (EGLDisplay  display,
               EGLConfig  *config,
               GError    **error)
{
  static const EGLint attributes[] = {
    EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
    EGL_RED_SIZE, 8,
    EGL_GREEN_SIZE, 8,
    EGL_BLUE_SIZE, 8,
    EGL_NONE
  };
  EGLint n = 0;

  /* Drawing only ever goes to framebuffer objects, so no config is needed where EGL allows it. */
  if (epoxy_has_egl_extension (display, "EGL_KHR_no_config_context") ||
      epoxy_has_egl_extension (display, "EGL_MESA_configless_context"))
    {
      *config = EGL_NO_CONFIG_KHR;
      return TRUE;
    }
  if (!eglChooseConfig (display, attributes, config, 1, &n) || n < 1)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                           "The headless EGL display offers no configuration for desktop OpenGL");
      return FALSE;
    }
  return TRUE;
}

/**
 * evox_gl_context_new_headless:
 *
 * Returns: (transfer full): a current OpenGL 3.3 core context without any window system, or
 *   %NULL with @error saying in plain words what the system lacks.
 */
EvoxGlContext *
evox_gl_context_new_headless (GError **error)
{
  static const EGLint context_attributes[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 3,
    EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
    EGL_NONE
  };
  g_autofree EvoxGlContext *self = NULL;
  EGLDisplay display;
  EGLConfig config;
  EGLContext context;

  display = acquire_display (error);
  if (display == EGL_NO_DISPLAY)
    return NULL;

  if (!epoxy_has_egl_extension (display, "EGL_KHR_surfaceless_context") ||
      !epoxy_has_egl_extension (display, "EGL_KHR_create_context"))
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                           "The headless EGL display cannot make a context current without a "
                           "window (EGL_KHR_surfaceless_context and EGL_KHR_create_context "
                           "are needed)");
      release_display ();
      return NULL;
    }

  if (!eglBindAPI (EGL_OPENGL_API))
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                           "The headless EGL display does not offer desktop OpenGL");
      release_display ();
      return NULL;
    }

  if (!choose_config (display, &config, error))
    {
      release_display ();
      return NULL;
    }

  context = eglCreateContext (display, config, EGL_NO_CONTEXT, context_attributes);
  if (context == EGL_NO_CONTEXT)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "OpenGL 3.3 core is needed to draw volumes; the headless EGL display could "
                   "not create such a context (%s)", egl_error_string (eglGetError ()));
      release_display ();
      return NULL;
    }

  if (!eglMakeCurrent (display, EGL_NO_SURFACE, EGL_NO_SURFACE, context))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "Cannot make the headless OpenGL context current: %s",
                   egl_error_string (eglGetError ()));
      eglDestroyContext (display, context);
      release_display ();
      return NULL;
    }

  self = g_new0 (EvoxGlContext, 1);
  self->display = display;
  self->context = context;
  return g_steal_pointer (&self);
}

void
evox_gl_context_free (EvoxGlContext *self)
{
  if (self == NULL)
    return;

  if (eglGetCurrentContext () == self->context)
    eglMakeCurrent (self->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext (self->display, self->context);
  release_display ();
  g_free (self);
}
