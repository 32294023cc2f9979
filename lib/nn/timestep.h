/* timestep: the sinusoidal embedding of the diffusion's timesteps, as
 * guided-diffusion's timestep_embedding(t, dim, max_period = 10000).  Used
 * by the UNet of issue 18.  Forward only: the timesteps are not trained. */
#ifndef SIMBAL_NN_TIMESTEP_H
#define SIMBAL_NN_TIMESTEP_H

/* t [n] -> emb [dim][n] (channel-major, as linear_forward's input): with
 * half = dim / 2 and f_j = exp(-ln(max_period) j / half), row j is
 * cos(t f_j) and row half + j is sin(t f_j) (cosines first); an odd dim's
 * last row is 0.  t may be fractional (respaced timesteps). */
void timestep_embedding(const float *t, int n, int dim, double max_period, float *emb);

#endif
